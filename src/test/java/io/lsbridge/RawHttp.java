package io.lsbridge;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

/**
 * HTTP/1.1 over a plain socket, for what an HTTP client library would not send: a body that is
 * announced and then written slowly or not at all, a head that never ends, a malformed URL. Counts
 * the body bytes the socket took before the server answered or closed (a small send buffer, so
 * the count is close to what the server read).
 */
public final class RawHttp implements AutoCloseable {
    public static final int SEND_BUFFER = 32 * 1024;
    private final Socket socket;
    private final AtomicLong bodyBytesWritten = new AtomicLong();
    private volatile Thread writer;

    public RawHttp(int port) throws IOException {
        socket = new Socket();
        socket.setSendBufferSize(SEND_BUFFER);
        socket.connect(new java.net.InetSocketAddress("127.0.0.1", port), 5000);
        socket.setSoTimeout(30_000);
    }

    /** Writes raw bytes (a head, part of one, a body). */
    public RawHttp write(String text) throws IOException {
        OutputStream out = socket.getOutputStream();
        out.write(text.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        return this;
    }

    /** Starts writing {@code bytes} body bytes in the background (chunked framing when {@code chunked}). */
    public RawHttp writeBodyInBackground(long bytes, boolean chunked) {
        Thread t = new Thread(() -> {
            byte[] block = new byte[16 * 1024];
            java.util.Arrays.fill(block, (byte) 'a');
            try {
                OutputStream out = socket.getOutputStream();
                for (long left = bytes; left > 0; ) {
                    int n = (int) Math.min(block.length, left);
                    if (chunked) {
                        out.write((Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                    }
                    out.write(block, 0, n);
                    if (chunked) {
                        out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
                    }
                    bodyBytesWritten.addAndGet(n);
                    left -= n;
                }
                if (chunked) {
                    out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                }
                out.flush();
            } catch (IOException closedByServer) {
                // the server closed the connection: the count stops here
            }
        }, "raw-http-body");
        t.setDaemon(true);
        t.start();
        writer = t;
        return this;
    }

    /** Body bytes the socket took so far. */
    public long bodyBytesWritten() {
        return bodyBytesWritten.get();
    }

    /** Waits for the background body writer to stop (all written, or the server closed), at most {@code millis}. */
    public long awaitWriter(long millis) throws InterruptedException {
        Thread t = writer;
        if (t != null) {
            t.join(millis);
        }
        return bodyBytesWritten.get();
    }

    /** The status line, headers and body of the next response (body by Content-Length), or null when the server closed first. */
    public Response read() throws IOException {
        InputStream in = socket.getInputStream();
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        while (matched < 4) {
            int b = in.read();
            if (b < 0) {
                return null;
            }
            head.write(b);
            matched = (b == (matched % 2 == 0 ? '\r' : '\n')) ? matched + 1 : (b == '\r' ? 1 : 0);
        }
        String h = head.toString(StandardCharsets.ISO_8859_1);
        int length = 0;
        boolean chunked = false;
        for (String line : h.split("\r\n")) {
            String lower = line.toLowerCase(Locale.ROOT);
            if (lower.startsWith("content-length:")) {
                length = Integer.parseInt(line.substring(15).trim());
            } else if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) {
                chunked = true;
            }
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        if (chunked) {
            for (int size = chunkSize(in); size > 0; size = chunkSize(in)) {
                body.write(in.readNBytes(size));
                in.readNBytes(2);
            }
            in.readNBytes(2);
        } else {
            body.write(in.readNBytes(length));
        }
        return new Response(Integer.parseInt(h.substring(9, 12)), h, body.toString(StandardCharsets.UTF_8));
    }

    private static int chunkSize(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        for (int b = in.read(); b >= 0 && b != '\n'; b = in.read()) {
            if (b != '\r') {
                line.append((char) b);
            }
        }
        int semicolon = line.indexOf(";");
        return Integer.parseInt((semicolon >= 0 ? line.substring(0, semicolon) : line.toString()).trim(), 16);
    }

    /** True when the server closed the connection (reads end) within {@code millis}. */
    public boolean closedWithin(long millis) throws IOException {
        socket.setSoTimeout((int) millis);
        try {
            InputStream in = socket.getInputStream();
            while (in.read() >= 0) {
                // drain what is left of an answer
            }
            return true;
        } catch (SocketTimeoutException stillOpen) {
            return false;
        } catch (IOException reset) {
            return true;
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }

    public record Response(int status, String head, String body) {
        public String header(String name) {
            for (String line : head.split("\r\n")) {
                int colon = line.indexOf(':');
                if (colon > 0 && line.substring(0, colon).equalsIgnoreCase(name)) {
                    return line.substring(colon + 1).trim();
                }
            }
            return null;
        }
    }
}
