"""dialist as a stand-in for Kore.ai in a test suite: fixture files, tenant resets and fault
injection (``docs/ci-standin.md``)."""
