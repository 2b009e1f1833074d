/*
 * The sandbox ("pause") container of the test environment's real node: it holds a pod's
 * namespaces open and reaps the orphans that end up as its children. Built with `gcc -static`
 * because no registry is reachable to pull registry.k8s.io/pause. Same behaviour as upstream's
 * pause.c: exit 0 on SIGINT/SIGTERM, reap on SIGCHLD, otherwise sleep forever.
 */
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static void stop(int sig) {
  (void)sig;
  _exit(0);
}

static void reap(int sig) {
  (void)sig;
  while (waitpid(-1, NULL, WNOHANG) > 0) {
  }
}

int main(void) {
  struct sigaction term = {.sa_handler = stop};
  struct sigaction child = {.sa_handler = reap, .sa_flags = SA_NOCLDSTOP};
  if (sigaction(SIGINT, &term, NULL) < 0 || sigaction(SIGTERM, &term, NULL) < 0 ||
      sigaction(SIGCHLD, &child, NULL) < 0) {
    return 1;
  }
  for (;;) pause();
}
