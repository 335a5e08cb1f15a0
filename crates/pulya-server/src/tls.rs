//! TLS (feature `tls`): the server's certificate and key, made into a rustls acceptor once,
//! before the server binds, so that a bad certificate or key stops it with an error that says
//! which and why.

use std::path::PathBuf;
use std::sync::Arc;

use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};

use crate::error::ServeError;

/// Where the server's TLS configuration comes from.
pub(crate) enum TlsSource {
    /// A certificate chain and a private key in PEM, with where each came from for errors.
    Pem { cert_chain: Pem, key: Pem },
    /// A configuration of the caller's; ALPN is set to `h2` and `http/1.1` when it has none.
    Config(Arc<ServerConfig>),
}

/// PEM bytes, given or to be read from a file.
pub(crate) enum Pem {
    Bytes(Vec<u8>),
    File(PathBuf),
}

impl Pem {
    fn read(&self, what: &str) -> Result<(Vec<u8>, String), ServeError> {
        match self {
            Pem::Bytes(bytes) => Ok((bytes.clone(), what.to_owned())),
            Pem::File(path) => {
                let origin = format!("{what} `{}`", path.display());
                let bytes = std::fs::read(path).map_err(|err| ServeError::Tls {
                    what: origin.clone(),
                    reason: err.to_string(),
                })?;
                Ok((bytes, origin))
            }
        }
    }
}

impl TlsSource {
    /// The acceptor, with ALPN `h2` and `http/1.1`.
    pub(crate) fn acceptor(&self) -> Result<TlsAcceptor, ServeError> {
        let config = match self {
            TlsSource::Config(config) if !config.alpn_protocols.is_empty() => Arc::clone(config),
            TlsSource::Config(config) => {
                let mut config = ServerConfig::clone(config);
                config.alpn_protocols = alpn();
                Arc::new(config)
            }
            TlsSource::Pem { cert_chain, key } => {
                let (cert_bytes, cert_origin) = cert_chain.read("the certificate chain")?;
                let (key_bytes, key_origin) = key.read("the private key")?;
                let certs = CertificateDer::pem_slice_iter(&cert_bytes)
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|err| ServeError::Tls {
                        what: cert_origin.clone(),
                        reason: format!("not PEM certificates: {err}"),
                    })?;
                if certs.is_empty() {
                    return Err(ServeError::Tls {
                        what: cert_origin,
                        reason: "no `CERTIFICATE` block in it".to_owned(),
                    });
                }
                let key =
                    PrivateKeyDer::from_pem_slice(&key_bytes).map_err(|err| ServeError::Tls {
                        what: key_origin.clone(),
                        reason: format!("no PEM private key (PKCS#8, PKCS#1 or SEC1): {err}"),
                    })?;
                let mut config = ServerConfig::builder()
                    .with_no_client_auth()
                    .with_single_cert(certs, key)
                    .map_err(|err| ServeError::Tls {
                        what: format!("{cert_origin} and {key_origin}"),
                        reason: err.to_string(),
                    })?;
                config.alpn_protocols = alpn();
                Arc::new(config)
            }
        };
        Ok(TlsAcceptor::from(config))
    }
}

fn alpn() -> Vec<Vec<u8>> {
    vec![b"h2".to_vec(), b"http/1.1".to_vec()]
}
