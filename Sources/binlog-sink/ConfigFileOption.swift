import ArgumentParser

/// `--config FILE` of the commands a connector file can drive. `ConfigFileLauncher` reads the file and takes the
/// option out of the command line before ArgumentParser parses it; declared here so `--help` shows it.
struct ConfigFileOption: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Read the options from this connector file (YAML, docs/configuration.md); options given here override it.",
            valueName: "file.yaml"))
    var config: String?
}
