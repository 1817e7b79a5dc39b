package io.topicmesh.node.daemon.admin;

/**
 * Reason phrases of the statuses the admin API answers with (RFC 9110 section 15), for the error
 * body's {@code status} and for the clients' messages.
 *
 * <p>Why the body carries it: the JDK's HTTP server ({@code jdk.httpserver}) writes the status line
 * from a fixed table of its own ({@code sun.net.httpserver.Code}, the same in JDK 17 and 25) that has
 * no 429 and no 422, and offers no way to set a reason phrase. So a 429 goes out as {@code HTTP/1.1
 * 429 } with an empty phrase, which HTTP/1.1 allows (RFC 9112 section 4: clients ignore it) but which
 * tells a person reading the wire nothing. The error body's {@code "status": "429 Too Many Requests"}
 * and the clients' {@code HTTP 429 Too Many Requests} say it instead.
 */
public final class HttpStatus {
  private HttpStatus() {}

  /** The reason phrase of {@code code}, or an empty string for a status the admin API never sends. */
  public static String reasonPhrase(int code) {
    return switch (code) {
      case 200 -> "OK";
      case 201 -> "Created";
      case 204 -> "No Content";
      case 400 -> "Bad Request";
      case 401 -> "Unauthorized";
      case 403 -> "Forbidden";
      case 404 -> "Not Found";
      case 405 -> "Method Not Allowed";
      case 409 -> "Conflict";
      case 413 -> "Content Too Large";
      case 415 -> "Unsupported Media Type";
      case 422 -> "Unprocessable Content";
      case 429 -> "Too Many Requests";
      case 500 -> "Internal Server Error";
      case 502 -> "Bad Gateway";
      case 503 -> "Service Unavailable";
      case 504 -> "Gateway Timeout";
      default -> "";
    };
  }

  /** {@code 429 Too Many Requests}; the bare code when the phrase is unknown. */
  public static String line(int code) {
    String phrase = reasonPhrase(code);
    return phrase.isEmpty() ? String.valueOf(code) : code + " " + phrase;
  }
}
