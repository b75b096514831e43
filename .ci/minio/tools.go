//go:build tools

// Package tools pins the MinIO server the S3 tests run against (see build.sh).
package tools

import _ "github.com/minio/minio"
