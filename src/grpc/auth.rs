//! Who is calling, and what may they call? `rosa serve` binds every caller to a
//! [`Role`] from a config file ([`Access`]): TLS (rustls) for the transport, and
//! per-client bearer tokens and/or client certificates. The [`Gate`] layer sits
//! in front of every service: it authenticates the call, refuses a method the
//! role may not call, and hands the [`Caller`] to the handlers (as a request
//! extension), which choose the roster view from the role, never from the
//! request.
//!
//! Method × role (anything not listed is refused, so a method added to the
//! proto is closed until it is added here):
//!
//! | method | operator | employer | auditor | unauthenticated |
//! |---|---|---|---|---|
//! | `Roster`, `RosterBatch` | any view | employer view only | no | no |
//! | `Explain`, `Offers` | yes | no | no | no |
//! | `UpsertCandidates`, `RemoveCandidates`, `RecordOutcome` | yes | no | no | no |
//! | `AuditVerify` | no | no | yes | no |
//! | `grpc.health.v1.Health/*` | yes | yes | yes | yes |
//!
//! Without a config file ([`Access::local`]) every caller is the operator
//! `local`, and the server may listen on loopback only ([`Access::check_listen`]).
//!
//! The gate also keeps error answers bounded (a `grpc-message` longer than
//! [`MAX_STATUS_MESSAGE_BYTES`] is clipped) and answers an oversized request
//! with `RESOURCE_EXHAUSTED`, as the proto says (tonic says `OUT_OF_RANGE`).

use std::future::Future;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use serde::Deserialize;
use sha2::{Digest, Sha256};
use tonic::codegen::http;
use tonic::codegen::Service;
use tonic::transport::{Certificate, Identity, ServerTlsConfig};
use tonic::{Code, Status};

/// Longest `grpc-message` the server sends, in bytes; longer ones are clipped
/// (clients and proxies drop headers past 8–16 KiB, hiding the error).
pub const MAX_STATUS_MESSAGE_BYTES: usize = 4096;

/// What a caller may see and do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// CPI operators: every method, every view.
    Operator,
    /// An employer: rosters in the employer view only.
    Employer,
    /// An auditor: the audit log's verification only.
    Auditor,
}

impl Role {
    /// The role's name in the config file.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Operator => "operator",
            Role::Employer => "employer",
            Role::Auditor => "auditor",
        }
    }
}

/// An authenticated caller, put in each request's extensions by the [`Gate`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// The client's name in the config file (`local` without one).
    pub name: String,
    /// Its role.
    pub role: Role,
}

/// The roles that may call a method (full gRPC path), or `None` when anyone
/// may, unauthenticated (health checks).
fn allowed(path: &str) -> Option<&'static [Role]> {
    const ROSTER: &[Role] = &[Role::Operator, Role::Employer];
    const OPERATOR: &[Role] = &[Role::Operator];
    const AUDITOR: &[Role] = &[Role::Auditor];
    const NOBODY: &[Role] = &[];
    if path.starts_with("/grpc.health.v1.Health/") {
        return None;
    }
    Some(match path.strip_prefix("/rosa.v1.Rosa/") {
        Some("Roster" | "RosterBatch") => ROSTER,
        Some("Explain" | "Offers" | "UpsertCandidates" | "RemoveCandidates" | "RecordOutcome") => {
            OPERATOR
        }
        Some("AuditVerify") => AUDITOR,
        _ => NOBODY,
    })
}

/// The server's access rules: who the clients are, and TLS.
#[derive(Clone, Default)]
pub struct Access {
    clients: Vec<Client>,
    tls: Option<ServerTlsConfig>,
    /// Serve on a non-loopback address without TLS or authentication.
    insecure: bool,
    /// The config file, for messages (`None` for [`Access::local`]).
    source: Option<PathBuf>,
}

impl std::fmt::Debug for Access {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Access")
            .field("clients", &self.clients.len())
            .field("tls", &self.tls.is_some())
            .field("insecure", &self.insecure)
            .field("source", &self.source)
            .finish()
    }
}

#[derive(Clone)]
struct Client {
    name: String,
    role: Role,
    token_sha256: Option<[u8; 32]>,
    cert_sha256: Option<[u8; 32]>,
}

/// The config file (TOML), as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AccessFile {
    tls: Option<TlsFile>,
    #[serde(default)]
    clients: Vec<ClientFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TlsFile {
    cert: PathBuf,
    key: PathBuf,
    client_ca: Option<PathBuf>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ClientFile {
    name: String,
    role: Role,
    token_sha256: Option<String>,
    cert_sha256: Option<String>,
}

/// A bad access config file.
#[derive(Debug, thiserror::Error)]
#[error("{file}: {message}")]
pub struct AccessError {
    /// The config file.
    pub file: String,
    /// What is wrong, naming the field.
    pub message: String,
}

/// Largest access config file, in bytes.
const MAX_CONFIG_BYTES: u64 = 1 << 20;

impl Access {
    /// No config: no TLS, and every caller is the operator `local`. Allowed on
    /// loopback addresses only (see [`Access::check_listen`]).
    pub fn local() -> Access {
        Access::default()
    }

    /// True when callers must authenticate (a config with clients).
    pub fn authenticates(&self) -> bool {
        !self.clients.is_empty()
    }

    /// True when the server speaks TLS.
    pub fn has_tls(&self) -> bool {
        self.tls.is_some()
    }

    /// Reads the config file (TOML, see the README: `[tls]` and `[[clients]]`);
    /// relative paths in it are relative to the file's directory.
    pub fn from_file(path: &Path) -> Result<Access, AccessError> {
        use std::io::Read;
        let file = crate::error::escape(&path.display().to_string()).into_owned();
        let err = |message: String| AccessError {
            file: file.clone(),
            message,
        };
        let f = crate::model::open_input(path).map_err(|e| err(e.to_string()))?;
        let mut text = String::new();
        f.take(MAX_CONFIG_BYTES + 1)
            .read_to_string(&mut text)
            .map_err(|e| err(e.to_string()))?;
        if text.len() as u64 > MAX_CONFIG_BYTES {
            return Err(err(format!("more than {MAX_CONFIG_BYTES} bytes")));
        }
        let base = path.parent().unwrap_or(Path::new("."));
        let mut access = Access::from_toml(&text, base).map_err(err)?;
        access.source = Some(path.to_path_buf());
        Ok(access)
    }

    /// Parses a config; `base` resolves relative TLS paths.
    pub fn from_toml(text: &str, base: &Path) -> Result<Access, String> {
        let file: AccessFile = toml::from_str(text)
            .map_err(|e| crate::error::clip(e.to_string().trim_end().replace('\n', " "), 1000))?;
        let mut clients: Vec<Client> = Vec::new();
        for (i, c) in file.clients.iter().enumerate() {
            let at = |field: &str| format!("clients[{i}].{field}");
            if c.name.trim().is_empty() || c.name.len() > 200 {
                return Err(format!("{}: must be 1..=200 bytes", at("name")));
            }
            if clients.iter().any(|o| o.name == c.name) {
                return Err(format!("{}: {:?} is given twice", at("name"), c.name));
            }
            let token_sha256 = c
                .token_sha256
                .as_deref()
                .map(|h| sha256_hex(h).map_err(|m| format!("{}: {m}", at("token_sha256"))))
                .transpose()?;
            let cert_sha256 = c
                .cert_sha256
                .as_deref()
                .map(|h| sha256_hex(h).map_err(|m| format!("{}: {m}", at("cert_sha256"))))
                .transpose()?;
            if token_sha256.is_none() && cert_sha256.is_none() {
                return Err(format!(
                    "clients[{i}]: needs token_sha256, cert_sha256 or both"
                ));
            }
            if let Some(t) = token_sha256 {
                if clients.iter().any(|o| o.token_sha256 == Some(t)) {
                    return Err(format!(
                        "{}: the same token as another client",
                        at("token_sha256")
                    ));
                }
            }
            if let Some(t) = cert_sha256 {
                if clients.iter().any(|o| o.cert_sha256 == Some(t)) {
                    return Err(format!(
                        "{}: the same certificate as another client",
                        at("cert_sha256")
                    ));
                }
                if file.tls.as_ref().is_none_or(|t| t.client_ca.is_none()) {
                    return Err(format!(
                        "{}: client certificates need tls.client_ca",
                        at("cert_sha256")
                    ));
                }
            }
            clients.push(Client {
                name: c.name.clone(),
                role: c.role,
                token_sha256,
                cert_sha256,
            });
        }
        let tls = match &file.tls {
            None => None,
            Some(t) => {
                let read = |field: &str, p: &Path| {
                    let p = base.join(p);
                    std::fs::read(&p).map_err(|e| format!("tls.{field}: {}: {e}", p.display()))
                };
                let identity = Identity::from_pem(read("cert", &t.cert)?, read("key", &t.key)?);
                let mut config = ServerTlsConfig::new().identity(identity);
                if let Some(ca) = &t.client_ca {
                    // Optional at the TLS level: token clients connect without a
                    // certificate; the gate decides who is authenticated.
                    config = config
                        .client_ca_root(Certificate::from_pem(read("client_ca", ca)?))
                        .client_auth_optional(true);
                }
                Some(config)
            }
        };
        Ok(Access {
            clients,
            tls,
            insecure: false,
            source: None,
        })
    }

    /// These rules, allowed on any address even without TLS or authentication
    /// (`rosa serve --insecure`: behind a proxy that does both, or a test).
    pub fn insecure(mut self, yes: bool) -> Access {
        self.insecure = yes;
        self
    }

    /// Whether the server may listen on `addr`: loopback always; any other
    /// address only with TLS and authenticated clients, unless [`Access::insecure`].
    pub fn check_listen(&self, addr: SocketAddr) -> Result<(), String> {
        if addr.ip().is_loopback() || self.insecure || (self.has_tls() && self.authenticates()) {
            return Ok(());
        }
        let missing = match (self.has_tls(), self.authenticates()) {
            (false, false) => "TLS and client authentication",
            (false, true) => "TLS",
            _ => "client authentication ([[clients]])",
        };
        Err(format!(
            "refusing to listen on {addr} without {missing}: anyone who reaches the port \
             would be an operator; give --auth FILE with [tls] and [[clients]] \
             (see README, Serving over a network), or --insecure to serve anyway"
        ))
    }

    /// The TLS configuration, if any.
    pub(crate) fn tls(&self) -> Option<ServerTlsConfig> {
        self.tls.clone()
    }

    /// Authenticates a call to `path` and checks the role may call it.
    fn admit(&self, path: &str, req: &http::Request<impl Sized>) -> Result<Option<Caller>, Status> {
        let roles = allowed(path);
        if !self.authenticates() {
            // No config: the local operator (loopback only, or forced), held
            // to the operator's methods like any other.
            let local = Caller {
                name: "local".into(),
                role: Role::Operator,
            };
            return match roles {
                Some(roles) if !roles.contains(&local.role) => Err(denied(&local, path)),
                _ => Ok(Some(local)),
            };
        }
        let by_cert = peer_cert_sha256(req).and_then(|h| {
            self.clients
                .iter()
                .find(|c| c.cert_sha256.is_some_and(|x| eq(&x, &h)))
        });
        let by_token = match bearer(req)? {
            None => None,
            Some(token) => {
                let h: [u8; 32] = Sha256::digest(token.as_bytes()).into();
                match self
                    .clients
                    .iter()
                    .find(|c| c.token_sha256.is_some_and(|x| eq(&x, &h)))
                {
                    Some(c) => Some(c),
                    None if roles.is_none() => None,
                    None => return Err(Status::unauthenticated("unknown bearer token")),
                }
            }
        };
        let client = match (by_cert, by_token) {
            (Some(a), Some(b)) if a.name != b.name => {
                return Err(Status::unauthenticated(
                    "the client certificate and the bearer token name different clients",
                ))
            }
            (Some(c), _) | (None, Some(c)) => Some(c),
            (None, None) => None,
        };
        let Some(roles) = roles else {
            // Health checks: open to anyone.
            return Ok(client.map(|c| Caller {
                name: c.name.clone(),
                role: c.role,
            }));
        };
        let Some(client) = client else {
            return Err(Status::unauthenticated(
                "no credentials: send `authorization: Bearer <token>` or a client certificate \
                 listed in the server's access config",
            ));
        };
        let caller = Caller {
            name: client.name.clone(),
            role: client.role,
        };
        if !roles.contains(&caller.role) {
            return Err(denied(&caller, path));
        }
        Ok(Some(caller))
    }
}

fn denied(caller: &Caller, path: &str) -> Status {
    Status::permission_denied(format!(
        "{}: the {} role may not call {}",
        crate::error::escape(&caller.name),
        caller.role.as_str(),
        crate::error::clip(crate::error::escape(path).into_owned(), 200)
    ))
}

/// Constant-time equality of two digests.
fn eq(a: &[u8; 32], b: &[u8; 32]) -> bool {
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// 64 hex digits to 32 bytes.
fn sha256_hex(h: &str) -> Result<[u8; 32], String> {
    let h = h.trim();
    if h.len() != 64 || !h.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err("must be 64 hex digits (a SHA-256)".into());
    }
    let mut out = [0u8; 32];
    for (i, o) in out.iter_mut().enumerate() {
        *o = u8::from_str_radix(&h[2 * i..2 * i + 2], 16).expect("hex checked");
    }
    Ok(out)
}

/// SHA-256 of the DER of the peer's leaf certificate, when TLS gave one.
fn peer_cert_sha256(req: &http::Request<impl Sized>) -> Option<[u8; 32]> {
    use tonic::transport::server::{TcpConnectInfo, TlsConnectInfo};
    let info = req.extensions().get::<TlsConnectInfo<TcpConnectInfo>>()?;
    let certs = info.peer_certs()?;
    let leaf = certs.first()?;
    Some(Sha256::digest(leaf.as_ref()).into())
}

/// The bearer token of the `authorization` header, if any.
fn bearer(req: &http::Request<impl Sized>) -> Result<Option<&str>, Status> {
    let Some(v) = req.headers().get(http::header::AUTHORIZATION) else {
        return Ok(None);
    };
    let v = v
        .to_str()
        .map_err(|_| Status::unauthenticated("authorization: not ASCII"))?;
    match v.split_once(' ') {
        Some((scheme, token))
            if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() =>
        {
            Ok(Some(token.trim()))
        }
        _ => Err(Status::unauthenticated(
            "authorization: expected `Bearer <token>`",
        )),
    }
}

/// The role of the caller of a request: from the [`Gate`]; a service mounted
/// without the gate trusts every caller as the operator, like `rosa serve`
/// on loopback without a config.
pub fn role<T>(req: &tonic::Request<T>) -> Role {
    req.extensions()
        .get::<Caller>()
        .map_or(Role::Operator, |c| c.role)
}

/// The layer that puts a [`Gate`] in front of every service of the server.
#[derive(Clone, Debug)]
pub struct GateLayer {
    access: Arc<Access>,
}

impl GateLayer {
    /// A gate applying `access`.
    pub fn new(access: Access) -> GateLayer {
        GateLayer {
            access: Arc::new(access),
        }
    }
}

impl<S> tower_layer::Layer<S> for GateLayer {
    type Service = Gate<S>;

    fn layer(&self, inner: S) -> Gate<S> {
        Gate {
            inner,
            access: Arc::clone(&self.access),
        }
    }
}

/// Authenticates and authorises each call, then bounds the error it answers.
#[derive(Clone, Debug)]
pub struct Gate<S> {
    inner: S,
    access: Arc<Access>,
}

type BoxFuture<T, E> = Pin<Box<dyn Future<Output = Result<T, E>> + Send>>;

impl<S, B, R> Service<http::Request<B>> for Gate<S>
where
    S: Service<http::Request<B>, Response = http::Response<R>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    R: Default + Send + 'static,
    B: Send + 'static,
{
    type Response = http::Response<R>;
    type Error = S::Error;
    type Future = BoxFuture<Self::Response, Self::Error>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: http::Request<B>) -> Self::Future {
        let path = req.uri().path().to_string();
        match self.access.admit(&path, &req) {
            Ok(caller) => {
                if let Some(caller) = caller {
                    req.extensions_mut().insert(caller);
                }
                // The service that was polled ready serves this call.
                let clone = self.inner.clone();
                let mut inner = std::mem::replace(&mut self.inner, clone);
                Box::pin(async move {
                    let mut response = inner.call(req).await?;
                    bound_status(response.headers_mut());
                    Ok(response)
                })
            }
            Err(status) => {
                let response = status.into_http::<R>();
                Box::pin(async move { Ok(response) })
            }
        }
    }
}

/// In a trailers-only answer (an error before any message): a request over
/// the size limit becomes `RESOURCE_EXHAUSTED`, and a long message is clipped.
fn bound_status(headers: &mut http::HeaderMap) {
    if !headers.contains_key(Status::GRPC_STATUS) {
        return;
    }
    let Some(status) = Status::from_header_map(headers) else {
        return;
    };
    let oversized =
        status.code() == Code::OutOfRange && status.message().contains("message length too large");
    let long = status.message().len() > MAX_STATUS_MESSAGE_BYTES;
    if !(oversized || long) {
        return;
    }
    let code = if oversized {
        Code::ResourceExhausted
    } else {
        status.code()
    };
    let message = crate::error::clip(status.message().to_string(), MAX_STATUS_MESSAGE_BYTES);
    headers.remove(Status::GRPC_STATUS);
    headers.remove(Status::GRPC_MESSAGE);
    let _ = Status::new(code, message).add_header(headers);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token_hash(t: &str) -> String {
        crate::digest::hex(&Sha256::digest(t.as_bytes()))
    }

    fn access(clients: &str) -> Access {
        Access::from_toml(clients, Path::new(".")).unwrap()
    }

    fn call(a: &Access, path: &str, token: Option<&str>) -> Result<Option<Caller>, Code> {
        let mut req = http::Request::builder().uri(format!("http://x{path}"));
        if let Some(t) = token {
            req = req.header("authorization", format!("Bearer {t}"));
        }
        a.admit(path, &req.body(()).unwrap()).map_err(|s| s.code())
    }

    #[test]
    fn roles_decide_what_may_be_called() {
        let a = access(&format!(
            "[[clients]]\nname = \"op\"\nrole = \"operator\"\ntoken_sha256 = \"{}\"\n\
             [[clients]]\nname = \"emp\"\nrole = \"employer\"\ntoken_sha256 = \"{}\"\n\
             [[clients]]\nname = \"aud\"\nrole = \"auditor\"\ntoken_sha256 = \"{}\"\n",
            token_hash("op-token"),
            token_hash("emp-token"),
            token_hash("aud-token")
        ));
        let roster = "/rosa.v1.Rosa/Roster";
        assert_eq!(
            call(&a, roster, Some("op-token")).unwrap().unwrap().role,
            Role::Operator
        );
        assert_eq!(
            call(&a, roster, Some("emp-token")).unwrap().unwrap().name,
            "emp"
        );
        assert_eq!(
            call(&a, roster, Some("aud-token")),
            Err(Code::PermissionDenied)
        );
        assert_eq!(call(&a, roster, None), Err(Code::Unauthenticated));
        assert_eq!(call(&a, roster, Some("guess")), Err(Code::Unauthenticated));
        assert_eq!(
            call(&a, "/rosa.v1.Rosa/Explain", Some("emp-token")),
            Err(Code::PermissionDenied)
        );
        assert_eq!(
            call(&a, "/rosa.v1.Rosa/AuditVerify", Some("op-token")),
            Err(Code::PermissionDenied)
        );
        assert!(call(&a, "/rosa.v1.Rosa/AuditVerify", Some("aud-token")).is_ok());
        // Unknown methods are closed to everyone.
        assert_eq!(
            call(&a, "/rosa.v1.Rosa/Drop", Some("op-token")),
            Err(Code::PermissionDenied)
        );
        // Health is open.
        assert_eq!(call(&a, "/grpc.health.v1.Health/Check", None), Ok(None));
    }

    #[test]
    fn without_a_config_everyone_is_the_local_operator() {
        let a = Access::local();
        let c = call(&a, "/rosa.v1.Rosa/Explain", None).unwrap().unwrap();
        assert_eq!((c.name.as_str(), c.role), ("local", Role::Operator));
        assert_eq!(
            call(&a, "/rosa.v1.Rosa/AuditVerify", None),
            Err(Code::PermissionDenied)
        );
        assert_eq!(
            call(&a, "/rosa.v1.Rosa/Drop", None),
            Err(Code::PermissionDenied)
        );
        let lo: SocketAddr = "127.0.0.1:1".parse().unwrap();
        let any: SocketAddr = "0.0.0.0:1".parse().unwrap();
        assert!(a.check_listen(lo).is_ok());
        assert!(a.check_listen("[::1]:1".parse().unwrap()).is_ok());
        let err = a.check_listen(any).unwrap_err();
        assert!(
            err.contains("TLS and client authentication") && err.contains("--insecure"),
            "{err}"
        );
        assert!(a.clone().insecure(true).check_listen(any).is_ok());
        // Tokens without TLS are not enough on a network either.
        let t = access(&format!(
            "[[clients]]\nname = \"op\"\nrole = \"operator\"\ntoken_sha256 = \"{}\"\n",
            token_hash("x")
        ));
        assert!(t.check_listen(any).unwrap_err().contains("without TLS"));
    }

    #[test]
    fn bad_configs_name_the_field() {
        let bad = |text: &str, want: &str| {
            let err = Access::from_toml(text, Path::new(".")).err().expect(text);
            assert!(err.contains(want), "{text}: {err}");
        };
        bad(
            "[[clients]]\nname = \"a\"\nrole = \"boss\"\ntoken_sha256 = \"00\"\n",
            "boss",
        );
        bad(
            "[[clients]]\nname = \"a\"\nrole = \"operator\"\ntoken_sha256 = \"00\"\n",
            "clients[0].token_sha256: must be 64 hex digits",
        );
        bad(
            "[[clients]]\nname = \"a\"\nrole = \"operator\"\n",
            "clients[0]: needs token_sha256, cert_sha256 or both",
        );
        bad(
            &format!(
                "[[clients]]\nname = \"a\"\nrole = \"operator\"\ncert_sha256 = \"{}\"\n",
                token_hash("c")
            ),
            "client certificates need tls.client_ca",
        );
        bad(
            &format!(
                "[[clients]]\nname = \"a\"\nrole = \"operator\"\ntoken_sha256 = \"{0}\"\n\
             [[clients]]\nname = \"b\"\nrole = \"employer\"\ntoken_sha256 = \"{0}\"\n",
                token_hash("same")
            ),
            "clients[1].token_sha256: the same token as another client",
        );
        bad(
            "[[clients]]\nname = \"a\"\nrole = \"operator\"\ntokn = \"x\"\n",
            "tokn",
        );
        bad(
            "[tls]\ncert = \"/nonexistent/c.pem\"\nkey = \"/nonexistent/k.pem\"\n",
            "tls.cert",
        );
    }

    #[test]
    fn oversized_requests_answer_resource_exhausted_and_messages_are_clipped() {
        let mut h = http::HeaderMap::new();
        Status::out_of_range(
            "Error, decoded message length too large: found 5 bytes, the limit is: 4 bytes",
        )
        .add_header(&mut h)
        .unwrap();
        bound_status(&mut h);
        assert_eq!(
            Status::from_header_map(&h).unwrap().code(),
            Code::ResourceExhausted
        );
        let mut h = http::HeaderMap::new();
        Status::invalid_argument("x".repeat(3 << 20))
            .add_header(&mut h)
            .unwrap();
        bound_status(&mut h);
        let s = Status::from_header_map(&h).unwrap();
        assert_eq!(s.code(), Code::InvalidArgument);
        assert!(s.message().len() <= MAX_STATUS_MESSAGE_BYTES);
    }
}
