package io.lsbridge;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import com.networknt.schema.path.NodePath;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.api.lowlevel.Compose;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;
import org.snakeyaml.engine.v2.nodes.Tag;
import org.snakeyaml.engine.v2.schema.CoreSchema;

/**
 * Every {@code routes/**}{@code /*.camel.yaml} is valid against the YAML DSL's own JSON schema
 * ({@code schema/camelYamlDsl.json} in the camel-yaml-dsl jar, draft-04), the one route editors
 * use. Strict: a number or boolean where the schema says string must be quoted. A failure names
 * the file, the line and what is wrong, one line per violation.
 */
class RouteSchemaTest {
    private static final Path ROUTES = Path.of("routes");
    private static final Schema SCHEMA = loadSchema();

    private static Schema loadSchema() {
        try (InputStream in = RouteSchemaTest.class.getClassLoader().getResourceAsStream("schema/camelYamlDsl.json")) {
            if (in == null) {
                throw new IllegalStateException("schema/camelYamlDsl.json is not on the test classpath (camel-yaml-dsl jar)");
            }
            return SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_4).getSchema(in);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static List<Path> routeFiles() {
        try (Stream<Path> files = Files.walk(ROUTES)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".camel.yaml")).sorted().toList();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @TestFactory
    Stream<DynamicTest> everyRouteFileFollowsTheSchema() {
        List<Path> files = routeFiles();
        assertFalse(files.isEmpty(), "no route files under " + ROUTES.toAbsolutePath());
        return files.stream().map(f -> DynamicTest.dynamicTest(ROUTES.relativize(f).toString(), () -> {
            List<String> violations = violations(f);
            assertTrue(violations.isEmpty(), () -> violations.size() + " schema violation(s):\n" + String.join("\n", violations));
        }));
    }

    /** The check can fail: a wrong scalar type and an unknown key are both named with their line. */
    @Test
    void theCheckNamesFileLineAndError() throws IOException {
        Path bad = Files.createTempFile("bad-", ".camel.yaml");
        try {
            Files.writeString(bad, """
                    - route:
                        id: bad
                        from:
                          uri: direct:bad
                          steps:
                            - setHeader:
                                name: CamelHttpResponseCode
                                constant: 302
                            - log:
                                messag: typo
                    """);
            List<String> v = violations(bad);
            assertTrue(v.stream().anyMatch(s -> s.startsWith(bad + ":8: ")), () -> "line 8 named: " + v);
            assertTrue(v.stream().anyMatch(s -> s.startsWith(bad + ":10: ")), () -> "line 10 named: " + v);
        } finally {
            Files.delete(bad);
        }
    }

    /** "file:line: error" for each violation, sorted by line. */
    static List<String> violations(Path file) throws IOException {
        List<Node> documents = new ArrayList<>();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            new Compose(LoadSettings.builder().setSchema(new CoreSchema()).build()).composeAllFromReader(r).forEach(documents::add);
        }
        Set<Violation> out = new TreeSet<>();
        for (Node document : documents) {
            List<Error> errors = SCHEMA.validate(toJson(document));
            for (Error e : errors) {
                if (explainedElsewhere(e, errors)) {
                    continue;
                }
                Node at = locate(document, e.getInstanceLocation());
                int line = at.getStartMark().map(m -> m.getLine() + 1).orElse(0);
                out.add(new Violation(line, e.getInstanceLocation() + ": " + e.getMessage()));
            }
        }
        return out.stream().map(v -> file + ":" + v.line() + ": " + v.text()).toList();
    }

    /**
     * The schema offers alternatives (oneOf/anyOf: "an expression is constant or simple or ...");
     * when one fails deeper down or by its type, the "none of the alternatives matched" and
     * "required property X not found" lines at or above it only repeat that: keep the precise one.
     */
    private static boolean explainedElsewhere(Error e, List<Error> all) {
        if (!Set.of("oneOf", "anyOf", "not", "required").contains(e.getKeyword())) {
            return false;
        }
        NodePath at = e.getInstanceLocation();
        for (Error other : all) {
            NodePath o = other.getInstanceLocation();
            boolean deeper = o.getNameCount() > at.getNameCount() && o.startsWith(at);
            boolean typeHere = o.equals(at) && "type".equals(other.getKeyword());
            if (deeper || typeHere) {
                return true;
            }
        }
        return false;
    }

    private record Violation(int line, String text) implements Comparable<Violation> {
        @Override
        public int compareTo(Violation o) {
            int c = Integer.compare(line, o.line);
            return c != 0 ? c : text.compareTo(o.text);
        }
    }

    /** The deepest YAML node the schema error points at (its line is what a reader needs). */
    private static Node locate(Node node, NodePath path) {
        Node current = node;
        for (int i = 0; i < path.getNameCount(); i++) {
            Object element = path.getElement(i);
            Node next = null;
            if (current instanceof MappingNode m && element instanceof String key) {
                for (NodeTuple t : m.getValue()) {
                    if (t.getKeyNode() instanceof ScalarNode k && k.getValue().equals(key)) {
                        next = t.getValueNode();
                    }
                }
            } else if (current instanceof SequenceNode s && element instanceof Integer index && index < s.getValue().size()) {
                next = s.getValue().get(index);
            }
            if (next == null) {
                break;
            }
            current = next;
        }
        return current;
    }

    /** The YAML tree as JSON, scalar types as YAML 1.2 (core schema) resolves them: 302 is a number, "302" a string. */
    private static JsonNode toJson(Node node) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        if (node instanceof MappingNode m) {
            ObjectNode o = f.objectNode();
            for (NodeTuple t : m.getValue()) {
                o.set(((ScalarNode) t.getKeyNode()).getValue(), toJson(t.getValueNode()));
            }
            return o;
        }
        if (node instanceof SequenceNode s) {
            ArrayNode a = f.arrayNode();
            s.getValue().forEach(n -> a.add(toJson(n)));
            return a;
        }
        ScalarNode s = (ScalarNode) node;
        Tag tag = s.getTag();
        String v = s.getValue();
        if (Tag.NULL.equals(tag)) {
            return f.nullNode();
        }
        if (Tag.BOOL.equals(tag)) {
            return f.booleanNode(Boolean.parseBoolean(v.toLowerCase()));
        }
        if (Tag.INT.equals(tag)) {
            // core schema ints: decimal, 0o octal, 0x hex; the value matters less than the type
            String digits = v.startsWith("0o") ? v.substring(2) : v.startsWith("0x") ? v.substring(2) : v;
            return f.numberNode(new java.math.BigInteger(digits, v.startsWith("0o") ? 8 : v.startsWith("0x") ? 16 : 10));
        }
        if (Tag.FLOAT.equals(tag)) {
            return f.numberNode(v.matches("[-+]?\\.(inf|Inf|INF|nan|NaN|NAN)") ? 0.0 : Double.parseDouble(v));
        }
        return f.textNode(v);
    }
}
