package io.lsbridge;

/** {@link AuthorizationFlowTest} with the bridge on PostgreSQL (a fresh database on the tests' {@link PostgresTestServer}). */
class PostgresAuthorizationFlowTest extends AuthorizationFlowTest {
    @Override
    protected TestDatabase newDatabase() {
        return TestDatabase.postgres(getClass().getSimpleName());
    }
}
