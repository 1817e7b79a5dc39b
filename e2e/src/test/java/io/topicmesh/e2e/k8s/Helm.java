package io.topicmesh.e2e.k8s;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the helm binary against the suite's kubeconfig, with a deadline. */
final class Helm {
  private Helm() {}

  record Result(int exit, String output) {}

  static Result run(Duration timeout, String... args) {
    E2eEnv env = E2eEnv.get();
    List<String> cmd = new ArrayList<>();
    cmd.add(env.helm);
    cmd.add("--kubeconfig");
    cmd.add(env.kubeconfig.toString());
    cmd.addAll(List.of(args));
    System.out.println("e2e: $ " + String.join(" ", cmd));
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      // output is small (a release's notes, a manifest); read it whole after exit or deadline
      StringBuilder out = new StringBuilder();
      Thread reader = new Thread(() -> {
        try {
          out.append(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException ignored) {
          // the process went away
        }
      }, "helm-output");
      reader.start();
      if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly();
        reader.join(5000);
        throw new AssertionError("helm " + String.join(" ", args) + " did not finish within " + timeout
            + "; output so far:\n" + out);
      }
      reader.join(5000);
      return new Result(p.exitValue(), out.toString());
    } catch (IOException e) {
      throw new AssertionError("cannot run helm (" + env.helm + "): " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted while running helm", e);
    }
  }

  /** Runs helm and fails with its output when it exits non-zero. */
  static String ok(Duration timeout, String... args) {
    Result r = run(timeout, args);
    if (r.exit != 0) {
      throw new AssertionError("helm " + String.join(" ", args) + " exited " + r.exit + ":\n" + r.output);
    }
    return r.output;
  }
}
