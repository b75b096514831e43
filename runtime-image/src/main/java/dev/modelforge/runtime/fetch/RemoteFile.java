package dev.modelforge.runtime.fetch;

/**
 * One file of a model source.
 *
 * @param path the file's path inside the model, with '/' separators
 * @param size its length in bytes, or -1 when the source does not say before the download
 * @param sha256 the digest the source publishes (Hugging Face's LFS oid), or null
 */
public record RemoteFile(String path, long size, String sha256) {}
