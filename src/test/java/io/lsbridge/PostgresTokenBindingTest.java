package io.lsbridge;

/**
 * {@link TokenBindingTest} on PostgreSQL: swapped ciphertexts refused, rows written before the binding
 * read the old way and bound by the startup step's conditional UPDATEs (IS NOT DISTINCT FROM, NOT LIKE).
 */
class PostgresTokenBindingTest extends TokenBindingTest {
    @Override
    protected TestDatabase newDatabase() {
        return TestDatabase.postgres(getClass().getSimpleName());
    }
}
