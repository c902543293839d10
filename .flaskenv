FLASK_APP=wsgi:app
# The flask command defaults to the local development profile; deployments set
# APP_CONFIG=production in their environment, which takes precedence over this file.
APP_CONFIG=development
