"""An independent TUF client (python-tuf's ngclient) against Kinmu's release repository.

usage: verify.py BASE_URL TRUSTED_ROOT WORK_DIR CLIENT_ID PLATFORM TARGET...

Starts from the trusted root, refreshes the metadata from BASE_URL/updates/metadata/ (public: walking
the root chain), asks for the first target without a transfer slot (Kinmu answers 429), checks in as
a desktop client CLIENT_ID of PLATFORM (POST BASE_URL/api/v1/updates/check, asking for a slot), then
downloads each TARGET from BASE_URL/updates/targets/ with the slot's token in the X-Kinmu-Slot header
(through ngclient's fetcher) and verifies its length and hashes,
then downloads the first target again in two halves with HTTP Range requests (a resumed download)
and verifies the joined bytes against the signed metadata. Prints one JSON object; exits non-zero,
with the reason on stderr, when anything is refused.
"""

import hashlib
import json
import os
import sys
import urllib.error
import urllib.request

from tuf.ngclient import Updater, Urllib3Fetcher
from tuf.ngclient._internal.proxy import ProxyEnvironment


class SlotFetcher(Urllib3Fetcher):
    """ngclient's own fetcher, sending the transfer slot's token with every request."""

    def __init__(self, slot: str) -> None:
        super().__init__(app_user_agent="kinmu-verify")
        self._proxy_env = ProxyEnvironment(headers={"User-Agent": "kinmu-verify python-tuf", "X-Kinmu-Slot": slot})


def check_in(base: str, client_id: str, platform: str) -> dict:
    body = {
        "client_id": client_id,
        "host": "python-tuf",
        "user": "verify",
        "program": "updater",
        "platform": platform,
        "wants_update": True,
    }
    req = urllib.request.Request(
        f"{base}/api/v1/updates/check",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "X-Kinmu-Request": "1"},
        method="POST",
    )
    with urllib.request.urlopen(req) as r:
        return json.load(r)


def main() -> None:
    base, trusted_root, work, client_id, platform, *targets = sys.argv[1:]
    metadata_dir = os.path.join(work, "metadata")
    download_dir = os.path.join(work, "downloads")
    os.makedirs(metadata_dir, exist_ok=True)
    os.makedirs(download_dir, exist_ok=True)
    with open(trusted_root, "rb") as f:
        root_bytes = f.read()
    # The metadata is public: a client without a slot refreshes and verifies it.
    public = Updater(
        metadata_dir=metadata_dir,
        metadata_base_url=f"{base}/updates/metadata/",
        target_base_url=f"{base}/updates/targets/",
        target_dir=download_dir,
        bootstrap=root_bytes,
    )
    public.refresh()
    # A target without a slot is refused: 429, check in first.
    info = public.get_targetinfo(targets[0])
    dirname, _, filename = targets[0].rpartition("/")
    hashed_url = f"{base}/updates/targets/{dirname + '/' if dirname else ''}{info.hashes['sha256']}.{filename}"
    try:
        urllib.request.urlopen(hashed_url)
        without_slot = {"status": 200}
    except urllib.error.HTTPError as e:
        without_slot = {"status": e.code, "retry_after": e.headers.get("Retry-After"), "message": e.read().decode()}

    answer = check_in(base, client_id, platform)
    admission = answer.get("admission") or {}
    slot = admission.get("slot_token")
    if admission.get("state") != "admitted" or not slot:
        raise SystemExit(f"the check-in gave no transfer slot: {answer}")
    updater = Updater(
        metadata_dir=metadata_dir,
        metadata_base_url=f"{base}/updates/metadata/",
        target_base_url=f"{base}/updates/targets/",
        target_dir=download_dir,
        bootstrap=root_bytes,
        fetcher=SlotFetcher(slot),
    )
    updater.refresh()
    trusted = updater._trusted_set  # the versions the client now trusts, for the report
    report = {
        "root_version": trusted.root.version,
        "timestamp_version": trusted.timestamp.version,
        "snapshot_version": trusted.snapshot.version,
        "targets_version": trusted.targets.version,
        "without_slot": without_slot,
        "offered_version": answer.get("offered_version"),
        "targets": [],
    }
    for name in targets:
        info = updater.get_targetinfo(name)
        if info is None:
            raise SystemExit(f"target {name} is not in the signed targets metadata")
        path = updater.download_target(info, filepath=os.path.join(download_dir, name.replace("/", "_")))
        with open(path, "rb") as f:
            data = f.read()
        report["targets"].append({"name": name, "length": len(data), "sha256": hashlib.sha256(data).hexdigest()})

    # A resumed download: the first half, then the rest from where it stopped (Range: bytes=N-).
    info = updater.get_targetinfo(targets[0])
    url = hashed_url
    half = info.length // 2
    first = urllib.request.urlopen(urllib.request.Request(url, headers={"Range": f"bytes=0-{half - 1}", "X-Kinmu-Slot": slot}))
    head = first.read()
    rest_response = urllib.request.urlopen(urllib.request.Request(url, headers={"Range": f"bytes={half}-", "X-Kinmu-Slot": slot}))
    rest = rest_response.read()
    joined = head + rest
    partial = os.path.join(download_dir, "resumed")
    with open(partial, "wb") as f:
        f.write(joined)
    with open(partial, "rb") as f:
        info.verify_length_and_hashes(f)
    report["resumed"] = {
        "first_status": first.status,
        "rest_status": rest_response.status,
        "content_range": rest_response.headers.get("Content-Range"),
        "first_bytes": len(head),
        "rest_bytes": len(rest),
        "verified": True,
    }
    print(json.dumps(report))


if __name__ == "__main__":
    main()
