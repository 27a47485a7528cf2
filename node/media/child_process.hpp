// Starting and ending the ffmpeg children: posix_spawn with an argument vector (no shell, so
// no quoting bugs and no injection through file names), pipes that only the intended child
// inherits, and a kill that always reaps (no zombies).
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace potok::media {

// An owned file descriptor: closed on destruction.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept;
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { reset(); }

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  int release();
  void reset();

 private:
  int fd_ = -1;
};

struct PipeEnds {
  UniqueFd read;
  UniqueFd write;
};

// Both ends close-on-exec: a child gets an end only through spawn_process's redirections, so a
// pipe reaches EOF as soon as the one child that writes it exits.
bool make_pipe(PipeEnds& ends, std::string& error);

// Where a child's standard stream comes from / goes to.
struct ChildStdio {
  int in = -1;   // -1: /dev/null; 0: share our own stdin
  int out = -1;  // -1: /dev/null
  int err = -1;  // -1: /dev/null
};

// Spawns argv[0] (looked up in PATH) with `stdio`. SIGPIPE is reset to its default in the
// child, whatever we do with it here. Returns the pid, or -1 with `error` set.
pid_t spawn_process(const std::vector<std::string>& argv, const ChildStdio& stdio,
                    std::string& error);

// Waits up to `grace_ms` for `pid` to exit by itself (a child that just closed its pipes is
// usually exiting), then SIGKILLs it and waits. Returns the wait status (as from waitpid), or -1
// if `pid` was not ours.
int reap_process(pid_t pid, int grace_ms);

// "exit status 1", "killed by signal 9": for log lines.
std::string describe_wait_status(int status);

// Makes a write to a closed pipe return EPIPE instead of killing the whole node. Idempotent.
void ignore_sigpipe();

}  // namespace potok::media
