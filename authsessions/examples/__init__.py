"""Complete apps to run and copy: ``authsessions.examples.fastapi_app``
(``pip install 'authsessions[fastapi]'``, then ``uvicorn
authsessions.examples.fastapi_app:app``) and ``authsessions.examples.flask_app``
(``pip install 'authsessions[flask]'``, then ``flask --app
authsessions.examples.flask_app run``). Importing this package imports
neither framework."""
