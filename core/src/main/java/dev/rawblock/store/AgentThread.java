package dev.rawblock.store;

/** Runs an {@link Agent} on a daemon thread of its own: work while there is work, else idle. */
final class AgentThread implements StoreRuntime.Running {
    private final Agent agent;
    private final Thread thread;
    private volatile boolean stopping;

    AgentThread(String name, Agent agent) {
        this.agent = agent;
        this.thread = Thread.ofPlatform().daemon().name(name).start(this::run);
    }

    private void run() {
        try {
            while (true) {
                if (agent.doWork() > 0) continue;
                if (stopping) return;
                agent.idle();
            }
        } catch (InterruptedException e) {
            // stop() does not interrupt; someone else asked the thread to end
        }
    }

    @Override
    public void stop() {
        stopping = true;
        agent.wake();
        boolean interrupted = false;
        while (thread.isAlive()) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) Thread.currentThread().interrupt();
    }
}
