"""An independent TUF client (python-tuf's ngclient) against Kinmu's release repository.

usage: verify.py BASE_URL TRUSTED_ROOT WORK_DIR TARGET...

Starts from the trusted root, refreshes the metadata from BASE_URL/updates/metadata/ (walking the
root chain), downloads each TARGET from BASE_URL/updates/targets/ and verifies its length and hashes,
then downloads the first target again in two halves with HTTP Range requests (a resumed download)
and verifies the joined bytes against the signed metadata. Prints one JSON object; exits non-zero,
with the reason on stderr, when anything is refused.
"""

import hashlib
import json
import os
import sys
import urllib.request

from tuf.ngclient import Updater


def main() -> None:
    base, trusted_root, work, *targets = sys.argv[1:]
    metadata_dir = os.path.join(work, "metadata")
    download_dir = os.path.join(work, "downloads")
    os.makedirs(metadata_dir, exist_ok=True)
    os.makedirs(download_dir, exist_ok=True)
    with open(trusted_root, "rb") as f:
        root_bytes = f.read()
    updater = Updater(
        metadata_dir=metadata_dir,
        metadata_base_url=f"{base}/updates/metadata/",
        target_base_url=f"{base}/updates/targets/",
        target_dir=download_dir,
        bootstrap=root_bytes,
    )
    updater.refresh()
    trusted = updater._trusted_set  # the versions the client now trusts, for the report
    report = {
        "root_version": trusted.root.version,
        "timestamp_version": trusted.timestamp.version,
        "snapshot_version": trusted.snapshot.version,
        "targets_version": trusted.targets.version,
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
    dirname, _, filename = targets[0].rpartition("/")
    hashed = f"{dirname + '/' if dirname else ''}{info.hashes['sha256']}.{filename}"
    url = f"{base}/updates/targets/{hashed}"
    half = info.length // 2
    first = urllib.request.urlopen(urllib.request.Request(url, headers={"Range": f"bytes=0-{half - 1}"}))
    head = first.read()
    rest_response = urllib.request.urlopen(urllib.request.Request(url, headers={"Range": f"bytes={half}-"}))
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
