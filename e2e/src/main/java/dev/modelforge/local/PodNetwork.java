package dev.modelforge.local;

/**
 * Pod addresses on one machine. Each pod listens on a loopback address of its own (127.0.0.N), so
 * container ports stay as declared; the API server refuses loopback addresses in EndpointSlices, so
 * the pod's status carries 198.18.0.N (RFC 2544's benchmarking range, never routed) and the node
 * agent's Service proxy translates it back, as a CNI plugin's NAT would.
 */
final class PodNetwork {
  private static final String REPORTED = "198.18.0.";
  private static final String LOOPBACK = "127.0.0.";

  private PodNetwork() {}

  /** The address the pod's processes listen on. */
  static String loopback(int host) {
    return LOOPBACK + host;
  }

  /** The address in the pod's status and its EndpointSlices. */
  static String podIp(int host) {
    return REPORTED + host;
  }

  /** Where to connect for an endpoint address; addresses from elsewhere are kept. */
  static String reachable(String endpointAddress) {
    return endpointAddress.startsWith(REPORTED)
        ? LOOPBACK + endpointAddress.substring(REPORTED.length())
        : endpointAddress;
  }
}
