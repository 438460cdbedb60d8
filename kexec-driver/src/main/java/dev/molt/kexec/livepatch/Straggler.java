package dev.molt.kexec.livepatch;

/** A task still on the old patch state when it mattered, with the kernel stack that holds it there. */
public record Straggler(ProcTasks.Task task, String stack) {

    /** One line per straggler for logs and errors: pid, name, state, the innermost stack frame. */
    public String summary() {
        String top = stack.lines().findFirst().orElse("").replaceFirst("^\\[<[0-9a-f]+>\\] ", "");
        return "pid " + task.tid() + (task.tid() != task.tgid() ? " (of " + task.tgid() + ")" : "") + " '" + task.comm()
                + "' state " + task.state() + (task.kthread() ? " kthread" : "") + (top.isEmpty() ? "" : " in " + top);
    }
}
