#pragma once

#include <chrono>

namespace yard::it {

// Waits until every byte sent so far on the loopback TCP connection from client_port to
// server_port has been read by the server process (Linux /proc/net/tcp: the client's send
// queue and the server's receive queue are both empty). Lets a test know, without sleeping,
// that the daemon is working on a request it is still sending. False on timeout.
bool waitUntilServerHasRead(int client_port, int server_port, std::chrono::milliseconds timeout);

}  // namespace yard::it
