//! Content classification: which blobs are not text manifests (LFS pointers, git-crypt, binary).
