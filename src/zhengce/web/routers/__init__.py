"""The web app's routers, one per concern: each holds its JSON API and its pages."""
