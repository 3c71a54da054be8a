package io.lsbridge.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.config.Configurator;
import org.apache.logging.log4j.core.config.builder.api.ConfigurationBuilder;
import org.apache.logging.log4j.core.config.builder.api.ConfigurationBuilderFactory;
import org.apache.logging.log4j.core.config.builder.impl.BuiltConfiguration;

/** The benchmarks' logging: the bridge's log (INFO) to a file; WARN and above also on the console. */
final class BenchLogging {
    private BenchLogging() {
    }

    /** Replaces the tests' log4j2.properties for a benchmark run. */
    static void configure(Path logFile) {
        ConfigurationBuilder<BuiltConfiguration> b = ConfigurationBuilderFactory.newConfigurationBuilder();
        b.setStatusLevel(Level.ERROR);
        b.add(b.newAppender("console", "Console").add(b.newLayout("PatternLayout")
                .addAttribute("pattern", "%d{HH:mm:ss.SSS} %-5level [%t] %c{1} - %msg%n")));
        b.add(b.newAppender("file", "File").addAttribute("fileName", logFile.toString()).addAttribute("immediateFlush", true)
                .add(b.newLayout("PatternLayout").addAttribute("pattern", "%d{HH:mm:ss.SSS} %-5level [%t] %c - %msg%n%throwable")));
        b.add(b.newLogger("h2database", Level.WARN));
        // -Dbench.debug=logger,logger: DEBUG for those loggers (e.g. org.quartz.core) in the bench log
        for (String logger : System.getProperty("bench.debug", "").split(",")) {
            if (!logger.isBlank()) {
                b.add(b.newLogger(logger.trim(), Level.DEBUG));
            }
        }
        b.add(b.newRootLogger(Level.INFO).add(b.newAppenderRef("file"))
                .add(b.newAppenderRef("console").addAttribute("level", Level.WARN)));
        Configurator.initialize(b.build());
    }

    /** ERROR lines, WARN lines and exception lines in the bridge log (a failed proxy call is a WARN). */
    static long[] counts(Path logFile) throws IOException {
        long[] c = new long[3];
        if (!Files.exists(logFile)) {
            return c;
        }
        try (Stream<String> lines = Files.lines(logFile)) {
            lines.forEach(l -> {
                if (l.contains(" ERROR ")) {
                    c[0]++;
                } else if (l.contains(" WARN ")) {
                    c[1]++;
                }
                if (l.matches("^(Caused by: )?[a-zA-Z_$.]+(Exception|Error)\\b.*")) {
                    c[2]++;
                }
            });
        }
        return c;
    }
}
