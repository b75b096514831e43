package dev.modelforge.local;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A Service's stable localhost port: each connection goes to the next ready endpoint (round robin),
 * the part kube-proxy plays in a cluster. Connections while no backend is ready are closed at once,
 * as a Service without endpoints refuses them, once a short wait for one is over.
 */
final class ServiceProxy implements AutoCloseable {

  private final ServerSocket server;
  private final List<InetSocketAddress> backends = new CopyOnWriteArrayList<>();
  private final AtomicInteger next = new AtomicInteger();
  private final Thread acceptor;

  ServiceProxy(String name) throws IOException {
    server = new ServerSocket();
    server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    acceptor = Thread.ofVirtual().name("service-" + name).start(this::accept);
  }

  int port() {
    return server.getLocalPort();
  }

  /** The ready endpoints (pod address and port) connections go to. */
  void backends(List<InetSocketAddress> endpoints) {
    if (!endpoints.equals(backends)) {
      backends.clear();
      backends.addAll(endpoints);
    }
  }

  private void accept() {
    while (!server.isClosed()) {
      Socket client;
      try {
        client = server.accept();
      } catch (IOException e) {
        return;
      }
      Thread.ofVirtual().start(() -> forward(client));
    }
  }

  private void forward(Socket client) {
    List<InetSocketAddress> endpoints = List.copyOf(backends);
    // Endpoints follow readiness a moment later (the EndpointSlice controller, then this proxy's
    // next pass); a connection waits a few seconds for one before it is refused.
    for (int i = 0; endpoints.isEmpty() && i < 50 && !server.isClosed(); i++) {
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
      endpoints = List.copyOf(backends);
    }
    if (endpoints.isEmpty()) {
      close(client);
      return;
    }
    InetSocketAddress endpoint =
        endpoints.get(Math.floorMod(next.getAndIncrement(), endpoints.size()));
    Socket upstream;
    try {
      upstream = new Socket(endpoint.getAddress(), endpoint.getPort());
    } catch (IOException e) {
      close(client);
      return;
    }
    Thread back = Thread.ofVirtual().start(() -> pump(upstream, client));
    pump(client, upstream);
    try {
      back.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    close(client);
    close(upstream);
  }

  /** Copies until end of stream, then half-closes the other side so it sees the end too. */
  private static void pump(Socket from, Socket to) {
    try {
      InputStream in = from.getInputStream();
      OutputStream out = to.getOutputStream();
      byte[] buffer = new byte[16 * 1024];
      for (int n; (n = in.read(buffer)) >= 0; ) {
        out.write(buffer, 0, n);
        out.flush();
      }
      to.shutdownOutput();
    } catch (IOException e) {
      close(to);
    }
  }

  private static void close(Socket s) {
    try {
      s.close();
    } catch (IOException ignored) {
      // already closed by the other direction
    }
  }

  @Override
  public void close() {
    try {
      server.close();
    } catch (IOException ignored) {
      // closing a listening socket only fails if it is already closed
    }
    acceptor.interrupt();
  }
}
