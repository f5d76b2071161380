//! The HTTP/1.1 plumbing the test servers share: one request read from a connection, one
//! response written back (`Connection: close`, so every request is its own connection).

use std::io::{self, BufRead, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

/// A request as received: request line, headers (names lower-cased) and body (by
/// `Content-Length`; empty without one).
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    /// The path and query, as sent.
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Request {
    /// Reads one request; `Err` when the client closed the connection or sent something that is
    /// not HTTP/1.1.
    pub fn read(reader: &mut impl BufRead) -> io::Result<Self> {
        let mut request_line = String::new();
        reader.read_line(&mut request_line)?;
        let mut parts = request_line.split_whitespace();
        let (Some(method), Some(target), Some(_version)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(io::Error::new(io::ErrorKind::InvalidData, format!("bad request line {request_line:?}")));
        };
        let (method, target) = (method.to_owned(), target.to_owned());
        let mut headers = Vec::new();
        loop {
            let mut line = String::new();
            reader.read_line(&mut line)?;
            let Some((name, value)) = line.trim_end().split_once(':') else { break };
            headers.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
        }
        let mut request = Self { method, target, headers, body: Vec::new() };
        if let Some(length) = request.header("content-length") {
            let length: usize = length.parse().map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
            request.body = vec![0; length];
            reader.read_exact(&mut request.body)?;
        }
        Ok(request)
    }

    /// The request line as it was sent (`GET /path HTTP/1.1`).
    pub fn request_line(&self) -> String {
        format!("{} {} HTTP/1.1", self.method, self.target)
    }

    /// The first header called `name` (lower case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

/// Writes a status line and headers plus `Content-Length` and `Connection: close`.
pub fn write_head(out: &mut impl Write, status: u16, headers: &[(String, String)], length: u64) -> io::Result<()> {
    let mut head = format!("HTTP/1.1 {status} {}\r\nContent-Length: {length}\r\nConnection: close\r\n", reason(status));
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    out.write_all(head.as_bytes())
}

/// A whole response with `body`.
pub fn write_response(out: &mut impl Write, status: u16, headers: &[(String, String)], body: &[u8]) -> io::Result<()> {
    write_head(out, status, headers, body.len() as u64)?;
    out.write_all(body)?;
    out.flush()
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        206 => "Partial Content",
        302 => "Found",
        307 => "Temporary Redirect",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Canned",
    }
}

/// A loopback listener that hands each connection to `serve` on its own thread until stopped.
pub struct Listener {
    pub base_url: String,
    stop: Arc<AtomicBool>,
    handle: Option<JoinHandle<()>>,
}

impl Listener {
    pub fn start(serve: impl Fn(TcpStream) + Send + Sync + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        listener.set_nonblocking(true).expect("nonblocking listener");
        let base_url = format!("http://{}", listener.local_addr().expect("address"));
        let stop = Arc::new(AtomicBool::new(false));
        let stopping = Arc::clone(&stop);
        let serve = Arc::new(serve);
        let handle = std::thread::spawn(move || {
            while !stopping.load(Ordering::SeqCst) {
                match listener.accept() {
                    Ok((stream, _)) => {
                        stream.set_nonblocking(false).expect("blocking stream");
                        let serve = Arc::clone(&serve);
                        std::thread::spawn(move || serve(stream));
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(2)),
                }
            }
        });
        Self { base_url, stop, handle: Some(handle) }
    }

    /// Stops accepting and closes the port; connections in progress finish on their own.
    pub fn stop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(handle) = self.handle.take() {
            handle.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        }
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        self.stop();
    }
}
