"""The contract's rules, one module per group; ``SessionsContract``
composes them."""
