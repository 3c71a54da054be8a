package io.lsbridge;

/**
 * {@link SandboxRestartTest} on PostgreSQL: the bridge's tables and the sandbox's own (schema
 * "sandbox", its own Flyway history) in one PostgreSQL database that outlives the restart.
 */
class PostgresSandboxRestartTest extends SandboxRestartTest {
    @Override
    protected TestDatabase newDatabase(String file) {
        return TestDatabase.postgres(getClass().getSimpleName());
    }
}
