package bitgrad.pipelines.cli;

import bitgrad.pipelines.run.RunLease;
import bitgrad.schemas.ArtifactStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code bitgrad cache verify|gc}: check every artifact, or remove what no run refers to. */
@Command(name = "cache", mixinStandardHelpOptions = true, footerHeading = "%nExamples:%n", footer = {"  bitgrad cache verify", "  bitgrad cache gc                 (lists what it would remove)", "  bitgrad cache gc --yes"}, description = "Inspect and clean the artifact cache.",
        subcommands = {CacheCommand.Verify.class, CacheCommand.Gc.class})
final class CacheCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        return BitgradCli.usage(spec);
    }

    @Command(name = "verify", mixinStandardHelpOptions = true, footerHeading = "%nExamples:%n", footer = {"  bitgrad cache verify", "  bitgrad cache verify --runs-dir /data/bitgrad-runs"},
            description = "Check every cached artifact's files against its manifest; exit 1 if any is bad.")
    static final class Verify implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @picocli.CommandLine.Mixin

        RunsDirOption runs;

        @Override
        public Integer call() throws IOException {
            RunsDir.requireExisting(runs.runsDir);
            ArtifactStore store = new ArtifactStore(runs.runsDir.resolve("cache"));
            int ok = 0;
            int bad = 0;
            for (String[] a : store.list()) {
                ArtifactStore.Check c = bitgrad.transforms.Stages.check(store, a[0], a[1]);
                if (c.valid()) {
                    ok++;
                } else {
                    bad++;
                    spec.commandLine().getOut().printf("bad %s/%s: %s%n", a[0], a[1], c.reason());
                }
            }
            spec.commandLine().getOut().printf("verified=%d ok=%d bad=%d%n", ok + bad, ok, bad);
            return bad == 0 ? 0 : 1;
        }
    }

    @Command(name = "gc", mixinStandardHelpOptions = true, footerHeading = "%nExamples:%n", footer = {"  bitgrad cache gc", "  bitgrad cache gc --yes", "  bitgrad cache gc --yes --unfinished"},
            description = {"Remove artifacts no run refers to, and temporaries of dead runs (asks for --yes).",
                "Never removes what a running run uses; keeps the finished tasks of a killed or failed run unless --unfinished."})
    static final class Gc implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @picocli.CommandLine.Mixin

        RunsDirOption runs;

        @Option(names = "--yes", description = "Really delete (otherwise only list what would go).")
        boolean yes;

        @Option(names = "--unfinished", description = "Also remove the work of runs that were killed or failed before they finished "
                + "(by default it is kept: a rerun resumes from it).")
        boolean unfinished;

        @Override
        public Integer call() throws IOException {
            RunsDir.requireExisting(runs.runsDir);
            var out = spec.commandLine().getOut();
            Path cache = runs.runsDir.resolve("cache");
            ArtifactStore store = new ArtifactStore(cache);
            try (RunLease.GcLock lock = RunLease.GcLock.acquire(cache)) {
                RunsDir.Claims claims = RunsDir.claims(runs.runsDir);
                if (!claims.damaged().isEmpty()) {
                    for (String d : claims.damaged()) {
                        out.printf("damaged run record %s%n", d);
                    }
                    spec.commandLine().getErr().println("bitgrad: cache gc removed nothing: " + claims.damaged().size()
                            + " run record(s) are damaged, so what they use is unknown; repair or delete those run folders first");
                    return 1;
                }
                Set<String> keep = new HashSet<>(claims.finished());
                keep.addAll(claims.live());
                for (String run : claims.liveRuns()) {
                    out.printf("running %s: its artifacts are kept%n", run);
                }
                for (Map.Entry<String, List<String>> k : claims.unfinished().entrySet()) {
                    out.printf("unfinished %s: %d artifacts %s%n", k.getKey(), k.getValue().size(),
                            unfinished ? "may go" : "kept (--unfinished to remove)");
                    if (!unfinished) {
                        keep.addAll(k.getValue());
                    }
                }
                long bytes = 0;
                int count = 0;
                int skipped = 0;
                for (String[] a : store.list()) {
                    if (keep.contains(a[0] + "/" + a[1])) {
                        continue;
                    }
                    try {
                        store.requireConfined(store.dir(a[0], a[1]));
                        long size = size(store.dir(a[0], a[1]));
                        if (yes) {
                            store.delete(a[0], a[1]);
                        }
                        bytes += size;
                        count++;
                        out.printf("%s %s/%s%n", yes ? "removed" : "would remove", a[0], a[1]);
                    } catch (IOException e) {
                        // a link out of the cache, a folder that cannot be moved: said, left, and the pass goes on
                        skipped++;
                        out.printf("skipped %s/%s: %s%n", a[0], a[1], bitgrad.pipelines.run.Runner.reason(e));
                    }
                }
                List<Path> stale = claims.liveRuns().isEmpty() ? store.staleTemporaries(60 * 60 * 1000L) : List.of();
                if (Files.isSymbolicLink(cache.resolve(".tmp"))) {
                    out.println("skipped cache/.tmp: it is a symbolic link, never followed");
                }
                for (Path p : stale) {
                    bytes += size(p);
                    out.printf("%s temporary %s%n", yes ? "removed" : "would remove", p.getFileName());
                    if (yes) {
                        store.deleteInside(p);
                    }
                }
                for (Path p : claims.strays()) {
                    out.printf("%s temporary %s%n", yes ? "removed" : "would remove", runs.runsDir.relativize(p));
                    if (yes) {
                        Files.deleteIfExists(p);
                    }
                }
                for (Path lease : unfinished && yes ? claims.killedLeases() : List.<Path>of()) {
                    Files.deleteIfExists(lease);
                }
                out.printf("%s artifacts=%d temporaries=%d bytes=%d%s%s%n", yes ? "removed" : "unreferenced", count, stale.size() + claims.strays().size(), bytes,
                        skipped == 0 ? "" : " skipped=" + skipped, yes || count + stale.size() + claims.strays().size() == 0 ? "" : " (rerun with --yes to delete)");
                return 0;
            }
        }

        private static long size(Path p) throws IOException {
            if (Files.isSymbolicLink(p)) {
                return 0;
            }
            try (Stream<Path> s = Files.walk(p)) {
                return s.filter(Files::isRegularFile).mapToLong(f -> f.toFile().length()).sum();
            }
        }
    }
}
