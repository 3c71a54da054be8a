package io.lsbridge;

/** {@link RefreshFaultsTest} with the bridge on PostgreSQL (a fresh database on the tests' {@link PostgresTestServer}). */
class PostgresRefreshFaultsTest extends RefreshFaultsTest {
    @Override
    protected TestDatabase newDatabase() {
        return TestDatabase.postgres(getClass().getSimpleName());
    }
}
