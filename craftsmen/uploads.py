"""Evidence files of nominations: the shared upload handling now lives in :mod:`core.uploads`
(type checked by content, stored outside the web root, disk kept in step with the transaction)."""

from core.uploads import (  # noqa: F401 - re-exported for the craftsman pages and services
    EXTENSIONS,
    SIGNATURES,
    StoredFile,
    UploadRefused,
    clean_original_name,
    delete_after_commit,
    detect_type,
    discard_on_rollback,
    download_name,
    megabytes,
    path_of,
    remove,
    send,
    store,
)
