"""No models: the sessions live in the configured store. The module is
here so that ``migrate`` sends this app's ``post_migrate`` (which creates
a ``database_store``'s table)."""
