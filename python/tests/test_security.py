"""TLS, mutual TLS, API keys and grants against real nodes (docs/protocol.md, section 20):
certificates made by openssl in a temporary directory, nodes started with --tls-cert,
--tls-client-certs required, --require-auth and an API key file, and a repo whose access
policy grants one view and not another; JWTs signed with the standard library's hmac."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

import skewless
from conftest import REPO, Nodes
from skewless import TLS, SkewlessError, StatusCode

KEYS = {"fraud-scorer": "sk_test_fraud_0123456789", "ops": "sk_test_ops_abcdefghij"}
ACCESS = """
access:
  admins: [ops]
  peers: [node-1, node-2]
  grants:
    - to: [fraud-scorer]
      read: {views: [user_transactions]}
      write: {views: [user_transactions]}
"""
ENTITIES = {"user_id": [1, 2]}
JWT_SECRET = b"skewless-python-tests-hs256-secret-0123456789"


def jwt(subject: str, expires_in: float) -> str:
    """An HS256 JWT signed with JWT_SECRET (the node's --jwt-key), made with the standard library."""

    def part(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    header = part(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    claims = part(json.dumps({"sub": subject, "exp": int(time.time() + expires_in)}).encode())
    signature = hmac.new(JWT_SECRET, f"{header}.{claims}".encode(), hashlib.sha256).digest()
    return f"{header}.{claims}.{part(signature)}"


@dataclass(frozen=True)
class Issued:
    cert: str
    key: str


class PKI:
    """A CA made with openssl, and certificates it signs (P-256 keys, PKCS#8 PEM)."""

    def __init__(self, directory: Path, name: str) -> None:
        self.directory = directory
        self.name = name
        self.ca = str(directory / f"{name}-ca.pem")
        self._ca_key = str(directory / f"{name}-ca-key.pem")
        self._openssl(
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", self._ca_key, "-out", self.ca, "-days", "2", "-subj", f"/CN={name}",
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        )

    def issue(self, common_name: str, names: str = "DNS:localhost,IP:127.0.0.1") -> Issued:
        base = self.directory / f"{self.name}-{common_name}"
        issued = Issued(f"{base}-cert.pem", f"{base}-key.pem")
        extensions = base.with_suffix(".ext")
        extensions.write_text(
            "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n"
            f"extendedKeyUsage=serverAuth,clientAuth\nsubjectAltName={names}\n"
        )
        request = f"{base}.csr"
        self._openssl(
            "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", issued.key, "-out", request, "-subj", f"/CN={common_name}",
        )
        self._openssl(
            "x509", "-req", "-in", request, "-CA", self.ca, "-CAkey", self._ca_key, "-CAcreateserial",
            "-out", issued.cert, "-days", "1", "-extfile", str(extensions),
        )
        return issued

    @staticmethod
    def _openssl(*arguments: str) -> None:
        result = subprocess.run(["openssl", *arguments], capture_output=True, text=True, timeout=60)
        if result.returncode != 0:
            raise AssertionError(f"openssl {' '.join(arguments)} exited {result.returncode}: {result.stderr}")


@dataclass
class Secured:
    nodes: Nodes
    pki: PKI
    other: PKI
    node_cert: Issued
    scorer: Issued
    mallory: Issued
    tls: str  # TLS, client certificates optional, no authentication
    mtls: str  # TLS, client certificates required, authentication required
    auth: str  # plain TCP, authentication required (API keys)


def api_key_file(directory: Path) -> Path:
    keys = directory / "api-keys"
    keys.write_text("# principal sha256(key)\n" + "".join(f"{name} {hashlib.sha256(key.encode()).hexdigest()}\n" for name, key in KEYS.items()))
    return keys


def repo_with_access(directory: Path) -> Path:
    repo = directory / "repo"
    repo.mkdir()
    for file in REPO.glob("*.yaml"):
        shutil.copy(file, repo / file.name)
    (repo / "zz_access.yaml").write_text(ACCESS)
    return repo


@pytest.fixture(scope="module")
def secured() -> Iterator[Secured]:
    if shutil.which("openssl") is None:
        pytest.fail("these tests make certificates with openssl: install it (scripts/setup.sh)")
    directory = Path(tempfile.mkdtemp(prefix="skewless-py-pki-"))
    nodes = Nodes(repo_with_access(directory))
    try:
        pki, other = PKI(directory, "test-ca"), PKI(directory, "other-ca")
        node_cert = pki.issue("node-1")
        keys = api_key_file(directory)
        nodes.ingest_samples()
        serving = ["--tls-cert", node_cert.cert, "--tls-key", node_cert.key, "--tls-ca", pki.ca]
        tls = nodes.start("tls", extra=serving)
        mtls = nodes.start("mtls", extra=[*serving, "--tls-client-certs", "required", "--require-auth", "--api-keys", str(keys)])
        secret = directory / "jwt-secret"
        secret.write_bytes(JWT_SECRET)
        auth = nodes.start("auth", extra=["--require-auth", "--api-keys", str(keys), "--jwt-key", str(secret), "--rate-limit", "5000"])
        scorer = pki.issue("fraud-scorer")
        with skewless.Client(tls, tls=TLS(ca_file=pki.ca)) as client:
            client.materialize(full=True)
        with skewless.Client(mtls, tls=TLS(ca_file=pki.ca, cert_file=scorer.cert, key_file=scorer.key), token=KEYS["ops"]) as client:
            client.materialize(full=True)
        with skewless.Client(auth, token=KEYS["ops"]) as client:
            client.materialize(full=True)
        yield Secured(nodes, pki, other, node_cert, scorer, other.issue("fraud-scorer"), tls, mtls, auth)
    finally:
        nodes.shutdown()
        shutil.rmtree(directory, ignore_errors=True)


def refused(client: skewless.Client, features: list[str] | None = None) -> SkewlessError:
    with client, pytest.raises(SkewlessError) as caught:
        client.get_online_features(features or ["user_transactions:txn_count_1h"], ENTITIES)
    return caught.value


def read_counts(client: skewless.Client) -> list[str]:
    with client:
        return client.get_online_features(["user_transactions:txn_count_1h"], ENTITIES).statuses("user_transactions:txn_count_1h")


# MARK: - TLS


def test_a_client_trusting_the_ca_reads_over_tls(secured: Secured) -> None:
    client = skewless.Client(secured.tls, tls=TLS(ca_file=secured.pki.ca))
    assert read_counts(client) == ["PRESENT", "PRESENT"]
    assert client.principal == ""  # the node requires no authentication


def test_the_certificate_is_checked_against_the_name_dialled(secured: Secured) -> None:
    port = secured.tls.rsplit(":", 1)[1]
    # By name: the certificate holds DNS:localhost.
    assert read_counts(skewless.Client(f"localhost:{port}", tls=TLS(ca_file=secured.pki.ca))) == ["PRESENT", "PRESENT"]
    # An overriding server name the certificate holds, and one it does not.
    assert read_counts(skewless.Client(secured.tls, tls=TLS(ca_file=secured.pki.ca, server_name="localhost"))) == ["PRESENT", "PRESENT"]
    error = refused(skewless.Client(secured.tls, tls=TLS(ca_file=secured.pki.ca, server_name="node-9.example"), max_attempts=1))
    assert error.code == StatusCode.UNAVAILABLE
    assert "does not hold the name dialled ('node-9.example')" in error.message
    assert "server_name" in error.message


def test_a_client_trusting_another_ca_is_refused(secured: Secured) -> None:
    error = refused(skewless.Client(secured.tls, tls=TLS(ca_file=secured.other.ca), max_attempts=1))
    assert error.code == StatusCode.UNAVAILABLE
    assert f"TLS with {secured.tls} failed: the node's certificate was refused" in error.message
    assert "TLS(ca_file=...)" in error.message
    assert error.node == secured.tls


def test_a_plain_client_of_a_tls_node_is_told_to_use_tls(secured: Secured) -> None:
    error = refused(skewless.Client(secured.tls, max_attempts=1))
    assert error.code == StatusCode.UNAVAILABLE
    assert "tls=skewless.TLS(ca_file=...)" in error.message


def test_a_tls_client_of_a_plain_node_is_told_it_does_not_serve_tls(secured: Secured) -> None:
    error = refused(skewless.Client(secured.auth, tls=TLS(ca_file=secured.pki.ca), max_attempts=1))
    assert error.code == StatusCode.UNAVAILABLE
    assert "does the node serve TLS?" in error.message


def test_bad_tls_files_fail_the_client_at_once_naming_them(secured: Secured, tmp_path: Path) -> None:
    with pytest.raises(SkewlessError) as missing:
        skewless.Client(secured.tls, tls=TLS(ca_file=tmp_path / "nowhere.pem"))
    assert missing.value.code == StatusCode.INVALID_ARGUMENT
    assert f"cannot read the CA bundle {tmp_path / 'nowhere.pem'}: it does not exist" in missing.value.message
    with pytest.raises(SkewlessError) as half:
        skewless.Client(secured.tls, tls=TLS(ca_file=secured.pki.ca, cert_file=secured.scorer.cert))
    assert "both the certificate file and its private key" in half.value.message
    with pytest.raises(SkewlessError) as mismatched:
        skewless.Client(secured.tls, tls=TLS(ca_file=secured.pki.ca, cert_file=secured.scorer.cert, key_file=secured.node_cert.key))
    assert mismatched.value.code == StatusCode.INVALID_ARGUMENT
    assert "the key belongs to the certificate" in mismatched.value.message


# MARK: - Mutual TLS


def test_mutual_tls_with_a_client_certificate_names_the_principal(secured: Secured) -> None:
    client = skewless.Client(secured.mtls, tls=TLS(ca_file=secured.pki.ca, cert_file=secured.scorer.cert, key_file=secured.scorer.key))
    assert read_counts(client) == ["PRESENT", "PRESENT"]
    assert client.principal == "fraud-scorer"  # the certificate's common name


def test_mutual_tls_without_a_client_certificate_is_refused(secured: Secured) -> None:
    error = refused(skewless.Client(secured.mtls, tls=TLS(ca_file=secured.pki.ca), token=KEYS["fraud-scorer"], max_attempts=1))
    assert error.code == StatusCode.UNAVAILABLE
    # The node's alert (TLSV13_ALERT_CERTIFICATE_REQUIRED), or a reset that overtook it.
    assert "requires client certificates" in error.message or "requires a client certificate" in error.message
    assert "TLS(cert_file=..., key_file=...)" in error.message


def test_mutual_tls_with_a_certificate_of_another_ca_is_refused(secured: Secured) -> None:
    tls = TLS(ca_file=secured.pki.ca, cert_file=secured.mallory.cert, key_file=secured.mallory.key)
    error = refused(skewless.Client(secured.mtls, tls=tls, max_attempts=1))
    assert error.code == StatusCode.UNAVAILABLE
    # The node's alert (TLSV1_ALERT_UNKNOWN_CA), or a reset that overtook it.
    assert "refused the client certificate" in error.message or "client certificate it does not trust" in error.message
    assert "signed by the CA the node trusts" in error.message


def test_a_client_that_presents_a_certificate_to_a_node_that_does_not_need_one(secured: Secured) -> None:
    client = skewless.Client(secured.tls, tls=TLS(ca_file=secured.pki.ca, cert_file=secured.scorer.cert, key_file=secured.scorer.key))
    assert read_counts(client) == ["PRESENT", "PRESENT"]


# MARK: - Authentication and grants


def test_a_good_api_key_reads_as_its_principal(secured: Secured) -> None:
    client = skewless.Client(secured.auth, token=KEYS["fraud-scorer"])
    assert read_counts(client) == ["PRESENT", "PRESENT"]
    assert client.principal == "fraud-scorer"
    assert client.rate_limit_per_second == 5000  # the node's --rate-limit, from the handshake


def test_no_token_is_unauthenticated_and_says_how_to_give_one(secured: Secured) -> None:
    error = refused(skewless.Client(secured.auth))
    assert error.code == StatusCode.UNAUTHENTICATED
    assert "this node requires authentication" in error.message
    assert "skewless.Client(..., token=" in error.message


def test_a_bad_api_key_is_unauthenticated(secured: Secured) -> None:
    error = refused(skewless.Client(secured.auth, token="sk_test_wrong"))
    assert error.code == StatusCode.UNAUTHENTICATED
    assert "the bearer token is not" in error.message
    assert "token=...) was refused" in error.message


def test_a_jwt_reads_as_its_subject_until_it_expires(secured: Secured) -> None:
    assert read_counts(skewless.Client(secured.auth, token=jwt("fraud-scorer", 3600))) == ["PRESENT", "PRESENT"]
    # A connection lasts until the token's exp (plus the node's 5 s of clock skew): the next
    # request on it is refused, and the client says to make a new one.
    expires_in = 4.0
    client = skewless.Client(secured.auth, token=jwt("fraud-scorer", expires_in), max_attempts=1)
    with client:
        assert client.describe() is not None and client.principal == "fraud-scorer"
        time.sleep(expires_in + 5 + 3)
        with pytest.raises(SkewlessError) as caught:
            client.describe(reload=True)
    assert caught.value.code == StatusCode.UNAUTHENTICATED
    assert "has expired" in caught.value.message and "make a new skewless.Client with a fresh token" in caught.value.message


def test_a_view_the_grants_do_not_allow_is_permission_denied_naming_it(secured: Secured) -> None:
    error = refused(skewless.Client(secured.auth, token=KEYS["fraud-scorer"]), ["merchant_risk:risk_score"])
    assert error.code == StatusCode.PERMISSION_DENIED
    assert "principal 'fraud-scorer' may not read" in error.message
    assert "merchant_risk" in error.message
    # The same principal over mutual TLS, by its certificate: the same grants.
    tls = TLS(ca_file=secured.pki.ca, cert_file=secured.scorer.cert, key_file=secured.scorer.key)
    error = refused(skewless.Client(secured.mtls, tls=tls), ["merchant_risk:risk_score"])
    assert error.code == StatusCode.PERMISSION_DENIED
    assert "merchant_risk" in error.message


def test_an_admin_method_without_the_grant_is_permission_denied(secured: Secured) -> None:
    with skewless.Client(secured.auth, token=KEYS["fraud-scorer"]) as client, pytest.raises(SkewlessError) as caught:
        client.materialize()
    assert caught.value.code == StatusCode.PERMISSION_DENIED
    assert "MATERIALIZE" in caught.value.message or "materialize" in caught.value.message.lower()


# MARK: - A cluster


def test_a_secured_cluster_routes_writes_and_reads_over_tls_with_a_token(tmp_path: Path) -> None:
    """Two nodes that serve TLS, require authentication and call each other over TLS (their
    certificates' common names are the policy's peers): the client reads the map, writes
    through a coordinator that replicates, and reads every partition back, all over TLS."""
    pki = PKI(tmp_path, "cluster-ca")
    keys = api_key_file(tmp_path)
    token_file = tmp_path / "ops-token"
    token_file.write_text(KEYS["ops"])
    nodes = Nodes(repo_with_access(tmp_path))
    try:
        addresses = []
        for node_id in ("node-1", "node-2"):
            issued = pki.issue(node_id)
            addresses.append(nodes.start(node_id, cluster=True, extra=[
                "--tls-cert", issued.cert, "--tls-key", issued.key, "--tls-ca", pki.ca, "--require-auth", "--api-keys", str(keys),
            ]))
        nodes.fsctl("cluster", "init", "--nodes", ",".join(addresses), "--partitions", "16", "--replication", "2",
                    "--tls-ca", pki.ca, "--token-file", str(token_file))
        users = list(range(2000, 2100))
        now = dt.datetime.now(dt.timezone.utc)
        with skewless.Client(seeds=[addresses[1]], tls=TLS(ca_file=pki.ca), token=KEYS["fraud-scorer"]) as client:
            written = client.write("user_transactions", {"user_id": users, "event_time": [now] * len(users), "txn_count_24h": users})
            assert written.rows == len(users) and written.min_replicas_applied == 2 and written.replicas_missed == []
            got = client.get_online_features(["user_transactions:txn_count_24h"], {"user_id": users})
            assert got.values("user_transactions:txn_count_24h") == users
            assert client.principal == "fraud-scorer"
            assert client.cluster_map is not None and set(client.cluster_map.node_ids) == {"node-1", "node-2"}
            with pytest.raises(SkewlessError) as caught:
                client.get_online_features(["merchant_risk:risk_score"], {"merchant_id": ["m-1"]})
            assert caught.value.code == StatusCode.PERMISSION_DENIED
    finally:
        nodes.shutdown()


# MARK: - The Feast plugin


def test_the_feast_online_store_config_connects_securely(secured: Secured, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("feast")
    from feast import RepoConfig

    from skewless.feast import SkewlessOnlineStoreConfig, _client, _clients

    monkeypatch.setenv("SKEWLESS_TEST_TOKEN", KEYS["fraud-scorer"])
    online = SkewlessOnlineStoreConfig(
        seeds=[secured.mtls],
        tls_ca_file=secured.pki.ca,
        tls_cert_file=secured.scorer.cert,
        tls_key_file=secured.scorer.key,
        tls_server_name="localhost",
        token_env_var="SKEWLESS_TEST_TOKEN",
    )
    config = RepoConfig(project="secured", registry="registry.db", provider="local", online_store=online, entity_key_serialization_version=3)
    client = _client(config)
    assert client.tls == TLS(ca_file=secured.pki.ca, cert_file=secured.scorer.cert, key_file=secured.scorer.key, server_name="localhost")
    try:
        assert client.get_online_features(["user_transactions:txn_count_1h"], ENTITIES).statuses("user_transactions:txn_count_1h") == ["PRESENT", "PRESENT"]
        assert client.principal == "fraud-scorer"  # named by the token (and the certificate)
        assert _client(config) is client  # one client per store config, kept for the next call
    finally:
        client.close()
        _clients.clear()
    # Without the variable set, the config says what is missing.
    monkeypatch.delenv("SKEWLESS_TEST_TOKEN")
    with pytest.raises(SkewlessError) as caught:
        online.client_token()
    assert "token_env_var names $SKEWLESS_TEST_TOKEN, which is not set" in caught.value.message
    # `tls: true` alone: TLS with the system's roots, which do not hold the test CA.
    plain_roots = SkewlessOnlineStoreConfig(seeds=[secured.tls], tls=True)
    assert plain_roots.client_tls() == TLS()
    assert SkewlessOnlineStoreConfig(seeds=[secured.tls]).client_tls() is None
