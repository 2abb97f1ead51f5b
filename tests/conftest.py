pytest_plugins = ["pytester", "tests.django.fixtures"]
