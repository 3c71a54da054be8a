package io.lsbridge;

/** {@link StorageTest} on PostgreSQL: the lease, commit-if-current and consume races under READ COMMITTED. */
class PostgresStorageTest extends StorageTest {
    @Override
    protected TestDatabase newDatabase() {
        return TestDatabase.postgres(getClass().getSimpleName());
    }
}
