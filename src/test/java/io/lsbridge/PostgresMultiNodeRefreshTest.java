package io.lsbridge;

/**
 * {@link MultiNodeRefreshTest} on PostgreSQL: the bridge processes share one PostgreSQL database (a
 * fresh one on the tests' {@link PostgresTestServer}); the sandbox's bridge in this JVM has its own.
 */
class PostgresMultiNodeRefreshTest extends MultiNodeRefreshTest {
    @Override
    protected TestDatabase newDatabase() {
        return TestDatabase.postgres(getClass().getSimpleName());
    }

    @Override
    protected TestDatabase newSharedDatabase(String file) {
        return TestDatabase.postgres("shared");
    }
}
