//! Tolerant reading of Helm/Go templates.
