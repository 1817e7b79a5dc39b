package io.topicmesh.node.daemon.admin;

/**
 * Reason phrases of the statuses the admin API answers with (RFC 9110 section 15): for the status
 * line ({@link AdminServer} sends every status with its phrase, e.g. {@code HTTP/1.1 429 Too Many
 * Requests}), for the error body's {@code status} and for the clients' messages, so all three read
 * the same.
 *
 * <p>The body's {@code status} dates from the JDK HTTP server ({@code jdk.httpserver}), whose fixed
 * status table had no 422 or 429 and sent them with an empty phrase; it is kept for clients and
 * scripts that read it there.
 */
public final class HttpStatus {
  private HttpStatus() {}

  /** The reason phrase of {@code code}, or an empty string for a status the admin API never sends. */
  public static String reasonPhrase(int code) {
    return switch (code) {
      case 200 -> "OK";
      case 201 -> "Created";
      case 204 -> "No Content";
      case 308 -> "Permanent Redirect";
      case 400 -> "Bad Request";
      case 401 -> "Unauthorized";
      case 403 -> "Forbidden";
      case 404 -> "Not Found";
      case 405 -> "Method Not Allowed";
      case 409 -> "Conflict";
      case 413 -> "Content Too Large";
      case 414 -> "URI Too Long";
      case 415 -> "Unsupported Media Type";
      case 422 -> "Unprocessable Content";
      case 429 -> "Too Many Requests";
      case 431 -> "Request Header Fields Too Large";
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
