//! Downloading MultiWOZ from its public GitHub sources, with SHA-256 checksums.
