//! A `nats-server` for tests: started on a free loopback port with its own JetStream store,
//! ready when returned, killed when dropped. Also a 3-node cluster, and a TCP proxy whose
//! connections a test can cut, to drop a node's connection while its process lives on.
//!
//! Nothing here reaches anything but loopback. The `nats-server` binary must be installed
//! (Debian: `apt-get install nats-server`); [`NatsServer::start`] says so if it is not.
//!
//! No process outlives the test: each runs under a small `bash` watchdog ([`WatchedChild`])
//! that kills it (SIGKILL) when the test process's end of a pipe closes, which it does when
//! the test drops it or dies in any way (a panic, an abort, a SIGKILL); and the watchdog
//! closes every file descriptor it inherited, so no lock or socket of the test process is
//! held by a leftover.
//!
//! ```no_run
//! use genserver_nats::testing::NatsServer;
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let nats = NatsServer::start()?;
//! let node = genserver_nats::Node::connect(nats.url()).await?;
//! # Ok(())
//! # }
//! ```

use std::fs::File;
use std::io::{self, BufRead, BufReader};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// How long a server may take to accept clients.
const READY_TIMEOUT: Duration = Duration::from_secs(15);

/// A directory removed when dropped.
#[derive(Debug)]
struct TempDir(PathBuf);

impl TempDir {
    fn new(what: &str) -> io::Result<TempDir> {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |elapsed| elapsed.subsec_nanos());
        let path = std::env::temp_dir().join(format!(
            "genserver-nats-{what}-{}-{}-{nanos}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&path)?;
        Ok(TempDir(path))
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A free TCP port on loopback (free when asked: the server binds it right after).
pub fn free_port() -> io::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// The `nats-server` binary: on `PATH`, or where Debian puts it.
fn binary() -> io::Result<PathBuf> {
    let on_path = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join("nats-server"))
            .find(|candidate| candidate.is_file())
    });
    on_path
        .or_else(|| {
            let debian = PathBuf::from("/usr/sbin/nats-server");
            debian.is_file().then_some(debian)
        })
        .ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::NotFound,
                "nats-server is not installed (Debian: `apt-get install nats-server`)",
            )
        })
}

/// The watchdog around a child process: starts the command in the background, kills it with
/// SIGKILL when its standard input reaches end of file, and exits with its status.
const WATCHDOG: &str = r#"
for fd in $(ls /proc/$$/fd 2>/dev/null); do
  if [ "$fd" -gt 2 ]; then eval "exec $fd>&-" 2>/dev/null; fi
done
exec 3<&0
"$@" 3<&- </dev/null &
child=$!
( read _ <&3; kill -9 "$child" 2>/dev/null ) &
exec 3<&-
wait "$child"
"#;

/// A child process that dies with the test: killed when this is dropped, and by its watchdog
/// if the test process dies first.
#[derive(Debug)]
pub struct WatchedChild {
    /// The watchdog (`bash`), whose exit status is the child's.
    watchdog: Child,
    /// The test's end of the pipe: closing it kills the child.
    lifeline: Option<std::process::ChildStdin>,
}

impl WatchedChild {
    /// Spawns `program` with `args` under a watchdog; its output goes to `log` (or nowhere).
    pub fn spawn<I, A>(program: &Path, args: I, log: Option<&Path>) -> io::Result<WatchedChild>
    where
        I: IntoIterator<Item = A>,
        A: AsRef<std::ffi::OsStr>,
    {
        let output = |log: Option<&Path>| -> io::Result<Stdio> {
            Ok(match log {
                Some(path) => Stdio::from(
                    std::fs::OpenOptions::new()
                        .create(true)
                        .append(true)
                        .open(path)?,
                ),
                None => Stdio::null(),
            })
        };
        let mut watchdog = Command::new("bash")
            .arg("-c")
            .arg(WATCHDOG)
            .arg("watchdog")
            .arg(program)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(output(log)?)
            .stderr(output(log)?)
            .spawn()?;
        let lifeline = watchdog.stdin.take();
        Ok(WatchedChild { watchdog, lifeline })
    }

    /// The exit status, if the child has exited.
    pub fn try_wait(&mut self) -> io::Result<Option<std::process::ExitStatus>> {
        self.watchdog.try_wait()
    }

    /// Kills the child (SIGKILL) and waits until it is gone.
    pub fn kill(&mut self) {
        self.lifeline = None;
        let _ = self.watchdog.wait();
    }
}

impl Drop for WatchedChild {
    fn drop(&mut self) {
        self.kill();
    }
}

/// How to start a [`NatsServer`].
#[derive(Debug, Clone, Default)]
pub struct NatsServerBuilder {
    jetstream: bool,
    args: Vec<String>,
    port: Option<u16>,
}

impl NatsServerBuilder {
    /// Without JetStream (names and groups then fail; plain calls work).
    pub fn without_jetstream(mut self) -> Self {
        self.jetstream = false;
        self
    }

    /// More command-line arguments, e.g. `["--user", "a", "--pass", "b"]`.
    pub fn args<I, A>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = A>,
        A: Into<String>,
    {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }

    /// This client port instead of a free one.
    pub fn port(mut self, port: u16) -> Self {
        self.port = Some(port);
        self
    }

    /// Starts the server and waits until it accepts clients.
    pub fn start(self) -> io::Result<NatsServer> {
        let store = TempDir::new("store")?;
        let mut last_error = None;
        // A free port can be taken by someone else before the server binds it: try again.
        for _attempt in 0..5 {
            let port = match self.port {
                Some(port) => port,
                None => free_port()?,
            };
            match NatsServer::spawn(&self, port, store.path()) {
                Ok(child) => {
                    return Ok(NatsServer {
                        child: Some(child),
                        port,
                        builder: self,
                        store,
                    });
                }
                Err(error) => last_error = Some(error),
            }
            if self.port.is_some() {
                break;
            }
        }
        Err(last_error.expect("at least one attempt was made"))
    }
}

/// A running `nats-server`, killed when dropped.
#[derive(Debug)]
pub struct NatsServer {
    child: Option<WatchedChild>,
    port: u16,
    builder: NatsServerBuilder,
    store: TempDir,
}

impl NatsServer {
    /// A server with JetStream on a free loopback port.
    pub fn start() -> io::Result<NatsServer> {
        NatsServer::builder().start()
    }

    /// The options of a server (JetStream on, a free port).
    pub fn builder() -> NatsServerBuilder {
        NatsServerBuilder {
            jetstream: true,
            ..NatsServerBuilder::default()
        }
    }

    fn spawn(builder: &NatsServerBuilder, port: u16, store: &Path) -> io::Result<WatchedChild> {
        let mut args: Vec<std::ffi::OsString> = vec![
            "-a".into(),
            "127.0.0.1".into(),
            "-p".into(),
            port.to_string().into(),
        ];
        if builder.jetstream {
            args.extend(["-js".into(), "-sd".into(), store.as_os_str().to_owned()]);
        }
        args.extend(builder.args.iter().map(Into::into));
        spawn_ready(port, &args, store)
    }

    /// The URL clients connect to: `nats://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    /// The client port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The socket address clients connect to.
    pub fn addr(&self) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.port))
    }

    /// Kills the server (SIGKILL) and waits for it to be gone. Its store is kept, for
    /// [`restart`](NatsServer::restart).
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill();
        }
    }

    /// Starts the server again, on the same port with the same store.
    pub fn restart(&mut self) -> io::Result<()> {
        self.kill();
        self.child = Some(NatsServer::spawn(
            &self.builder,
            self.port,
            self.store.path(),
        )?);
        Ok(())
    }
}

impl Drop for NatsServer {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Starts nats-server with `args` (logging into `dir`) and waits until it accepts clients on
/// `port`; the error has the server's log.
///
/// Unless `args` name the server (`-n`), it gets a unique name, which the readiness check looks
/// for: a free port can be taken by another test's server between the check and the bind, and
/// that server must not pass for this one.
fn spawn_ready(port: u16, args: &[std::ffi::OsString], dir: &Path) -> io::Result<WatchedChild> {
    let log = dir.join(format!("nats-server-{port}.log"));
    let mut args = args.to_vec();
    let name = match args.iter().position(|arg| arg == "-n") {
        Some(index) => args
            .get(index + 1)
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_default(),
        None => {
            let name = unique_name();
            args.extend(["-n".into(), name.clone().into()]);
            name
        }
    };
    let mut child = WatchedChild::spawn(&binary()?, &args, Some(&log))?;
    match wait_ready(port, &name, &mut child) {
        Ok(()) => Ok(child),
        Err(error) => {
            child.kill();
            let log = std::fs::read_to_string(&log).unwrap_or_default();
            Err(io::Error::new(
                error.kind(),
                format!("nats-server on port {port} did not start: {error}\n{log}"),
            ))
        }
    }
}

/// A server name unique to this process and call.
fn unique_name() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    format!(
        "genserver-test-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

/// Waits until the server called `name` on `port` sends its `INFO` line.
fn wait_ready(port: u16, name: &str, child: &mut WatchedChild) -> io::Result<()> {
    let own = format!("\"server_name\":\"{name}\"");
    let deadline = Instant::now() + READY_TIMEOUT;
    loop {
        if let Some(status) = child.try_wait()? {
            return Err(io::Error::other(format!("it exited with {status}")));
        }
        if let Ok(stream) = TcpStream::connect_timeout(
            &SocketAddr::from(([127, 0, 0, 1], port)),
            Duration::from_millis(500),
        ) {
            stream.set_read_timeout(Some(Duration::from_secs(2)))?;
            let mut line = String::new();
            if BufReader::new(stream).read_line(&mut line).is_ok()
                && line.starts_with("INFO ")
                && line.contains(&own)
            {
                return Ok(());
            }
        }
        if Instant::now() >= deadline {
            return Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "it did not accept clients in time",
            ));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Servers of one NATS cluster on loopback, each with JetStream.
#[derive(Debug)]
pub struct NatsCluster {
    servers: Vec<NatsServer>,
}

impl NatsCluster {
    /// Starts `size` servers routed to each other, and waits until each accepts clients.
    /// JetStream elects its leader a moment later: a node's first remote start waits for it.
    pub fn start(size: usize) -> io::Result<NatsCluster> {
        let cluster_ports = (0..size)
            .map(|_| free_port())
            .collect::<io::Result<Vec<u16>>>()?;
        let routes = cluster_ports
            .iter()
            .map(|port| format!("nats://127.0.0.1:{port}"))
            .collect::<Vec<_>>()
            .join(",");
        let name = format!("genserver-test-{}", std::process::id());
        let mut children = Vec::new();
        for (index, cluster_port) in cluster_ports.iter().enumerate() {
            let builder = NatsServer::builder().args([
                "-n".to_owned(),
                format!("{}-n{index}", unique_name()),
                "--cluster_name".to_owned(),
                name.clone(),
                "--cluster".to_owned(),
                format!("nats://127.0.0.1:{cluster_port}"),
                "--routes".to_owned(),
                routes.clone(),
            ]);
            let port = free_port()?;
            let store = TempDir::new("cluster")?;
            // Each accepts clients before JetStream has its quorum: one at a time is fine.
            let child = NatsServer::spawn(&builder, port, store.path())?;
            children.push(NatsServer {
                child: Some(child),
                port,
                builder: builder.port(port),
                store,
            });
        }
        Ok(NatsCluster { servers: children })
    }

    /// Server `index` (to kill or restart it).
    pub fn server(&mut self, index: usize) -> &mut NatsServer {
        &mut self.servers[index]
    }

    /// The URL of server `index`.
    pub fn url(&self, index: usize) -> String {
        self.servers[index].url()
    }

    /// The URLs of every server (`Node::connect(cluster.urls())` connects to one of them).
    pub fn urls(&self) -> Vec<String> {
        self.servers.iter().map(NatsServer::url).collect()
    }

    /// How many servers there are.
    pub fn len(&self) -> usize {
        self.servers.len()
    }

    /// `true` for a cluster of no servers.
    pub fn is_empty(&self) -> bool {
        self.servers.is_empty()
    }
}

/// A TCP proxy on loopback in front of a NATS server, whose connections a test can cut: the
/// node behind it loses its connection while its process lives on.
#[derive(Debug)]
pub struct Proxy {
    addr: SocketAddr,
    open: Arc<AtomicBool>,
    cut: Arc<tokio::sync::Notify>,
    task: tokio::task::JoinHandle<()>,
}

impl Proxy {
    /// A proxy to `upstream`, accepting on a free loopback port.
    pub async fn start(upstream: SocketAddr) -> io::Result<Proxy> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let open = Arc::new(AtomicBool::new(true));
        let cut = Arc::new(tokio::sync::Notify::new());
        let task = tokio::spawn({
            let open = open.clone();
            let cut = cut.clone();
            async move {
                while let Ok((mut inbound, _)) = listener.accept().await {
                    if !open.load(Ordering::Acquire) {
                        // Refused: the connection closes at once.
                        continue;
                    }
                    let cut = cut.clone();
                    tokio::spawn(async move {
                        let Ok(mut outbound) = tokio::net::TcpStream::connect(upstream).await
                        else {
                            return;
                        };
                        let cut = cut.notified();
                        tokio::select! {
                            _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound) => {}
                            () = cut => {}
                        }
                    });
                }
            }
        });
        Ok(Proxy {
            addr,
            open,
            cut,
            task,
        })
    }

    /// The URL to connect to through the proxy.
    pub fn url(&self) -> String {
        format!("nats://{}", self.addr)
    }

    /// Closes every connection through the proxy and refuses new ones until
    /// [`restore`](Proxy::restore).
    pub fn cut(&self) {
        self.open.store(false, Ordering::Release);
        self.cut.notify_waiters();
    }

    /// Accepts connections again.
    pub fn restore(&self) {
        self.open.store(true, Ordering::Release);
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.cut();
        self.task.abort();
    }
}

/// A file in a directory of its own, both removed when dropped: e.g. a server configuration.
#[derive(Debug)]
pub struct TempFile {
    path: PathBuf,
    _dir: TempDir,
}

impl TempFile {
    /// Writes `contents` to a new file called `name`.
    pub fn new(name: &str, contents: &str) -> io::Result<TempFile> {
        let dir = TempDir::new("file")?;
        let path = dir.path().join(name);
        io::Write::write_all(&mut File::create(&path)?, contents.as_bytes())?;
        Ok(TempFile { path, _dir: dir })
    }

    /// Where the file is.
    pub fn path(&self) -> &Path {
        &self.path
    }
}
