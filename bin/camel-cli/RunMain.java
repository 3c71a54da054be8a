package lsbridge.cli;

import org.apache.camel.dsl.jbang.core.commands.CamelJBangMain;
import org.apache.camel.dsl.jbang.core.commands.Run;
import org.apache.camel.dsl.jbang.core.common.CommandLineHelper;
import picocli.CommandLine;

/**
 * `camel run` of the Camel CLI, started without the rest of the CLI: main.CamelJBang builds a picocli
 * model of every command (about 100, by reflection over their annotations) before it runs one, a few
 * hundred milliseconds of every start. This builds the same root command with the `run` command only,
 * then does what CamelJBangMain.run does for it (pid property, the user's CLI configuration, exit code).
 * bin/camel compiles it into .camel-cli/launcher/ and uses it for `bin/camel run` only.
 *
 * Log4j's first start (reading the configuration that -Dlog4j2.configurationFile names, its plugins, the
 * logger context: about a tenth of the main thread's start) runs on a second thread while picocli builds
 * the run command, instead of on the main thread when the first Camel class asks for a logger. Nothing
 * else changes: the same configuration is read, and a thread that asks for a logger meanwhile waits for
 * the start to finish, as Log4j's own start is synchronised.
 */
public final class RunMain {
    private RunMain() {
    }

    public static void main(String[] args) {
        System.setProperty("pid", Long.toString(ProcessHandle.current().pid()));
        Thread logging = new Thread(() -> org.slf4j.LoggerFactory.getLogger(RunMain.class), "log4j-start");
        logging.setDaemon(true);
        logging.start();
        CamelJBangMain main = new CamelJBangMain();
        CommandLine commandLine = new CommandLine(main).addSubcommand("run", new CommandLine(new Run(main)));
        CommandLineHelper.augmentWithUserConfiguration(commandLine);
        main.quit(commandLine.execute(args));
    }
}
