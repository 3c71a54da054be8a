package io.lsbridge;

/** {@link HousekeepingTest} with the bridge on PostgreSQL (a fresh database on the tests' {@link PostgresTestServer}). */
class PostgresHousekeepingTest extends HousekeepingTest {
    @Override
    protected TestDatabase newDatabase() {
        return TestDatabase.postgres(getClass().getSimpleName());
    }
}
