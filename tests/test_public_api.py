import authsessions
import contract_tests


def test_all_is_alphabetical_and_complete() -> None:
    assert authsessions.__all__ == sorted(authsessions.__all__)
    # "@py_builtins" and friends: pytest rewrites asserts in plugin distributions
    public = {n for n in dir(authsessions) if not n.startswith(("_", "@"))}
    assert public == set(authsessions.__all__)


def test_contract_tests_exports_what_implementers_need() -> None:
    for name in ("SessionsContract", "FakeClock", "metas", "user_ids", "labels"):
        assert name in contract_tests.__all__


def test_private_modules_are_private() -> None:
    for name in dir(authsessions):
        value = getattr(authsessions, name)
        module = getattr(value, "__module__", "authsessions")
        if name in authsessions.__all__ and module.startswith("authsessions."):
            assert module.split(".")[1].startswith("_"), name


def test_py_typed_is_shipped() -> None:
    from importlib.resources import files

    assert files("authsessions").joinpath("py.typed").is_file()
    assert files("contract_tests").joinpath("py.typed").is_file()


def test_library_contract_and_plugin_import_without_redis() -> None:
    import subprocess
    import sys

    code = (
        "import sys; sys.modules['redis'] = None\n"
        "import authsessions, contract_tests, contract_tests.plugin\n"
        "store = authsessions.InMemorySessions()\n"
        "store.create_session(user_id='u', label='', meta={})\n"
        "try:\n    authsessions.RedisSessions\nexcept ImportError:\n    print('lazy')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "lazy"
