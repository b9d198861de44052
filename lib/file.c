/* SPDX-License-Identifier: ISC */
/* Copyright (c) the mailautoconf developers */
/*
 * Reading a whole file into memory, with a size limit: the one place
 * in lib/ that reads files (the INI file, its domains-files and the
 * profile signer's PEM files, at load time only; nothing on the request
 * path reads a file).
 */

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "extern.h"

/*
 * Read a whole file, at most MAC_CFG_FILE_MAX bytes, into a new buffer
 * the caller frees.  Returns FILE_OK, FILE_ERRNO or FILE_BIG.
 */
enum file_res
file_read(const char *path, char **out, size_t *outlen)
{
	return file_read_mode(path, out, outlen, NULL);
}

/* The same, and the file's permission bits into *mode (when not NULL),
 * from the descriptor read, so that they are the bits of what was read. */
enum file_res
file_read_mode(const char *path, char **out, size_t *outlen, unsigned *mode)
{
	struct stat sb;
	char *buf = NULL, *nb;
	size_t cap, len = 0;
	ssize_t r;
	int fd, saved;
	enum file_res res = FILE_ERRNO;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return FILE_ERRNO;
	if (fstat(fd, &sb) == -1)
		goto out;
	if (mode != NULL)
		*mode = (unsigned)(sb.st_mode & 07777);
	if (S_ISDIR(sb.st_mode)) {
		errno = EISDIR;
		goto out;
	}
	if (S_ISREG(sb.st_mode) && sb.st_size > MAC_CFG_FILE_MAX) {
		res = FILE_BIG;
		goto out;
	}
	/* One spare byte so that a regular file ends in a 0-byte read. */
	cap = S_ISREG(sb.st_mode) ? (size_t)sb.st_size + 1 : MAC_CFG_LINE_MAX;
	if ((buf = malloc(cap)) == NULL)
		goto out;
	for (;;) {
		if (len == cap) {
			if (cap > (size_t)MAC_CFG_FILE_MAX) {
				res = FILE_BIG;
				goto out;
			}
			cap = cap * 2 > (size_t)MAC_CFG_FILE_MAX + 1
				  ? (size_t)MAC_CFG_FILE_MAX + 1
				  : cap * 2;
			if ((nb = realloc(buf, cap)) == NULL)
				goto out;
			buf = nb;
		}
		r = read(fd, buf + len, cap - len);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1)
			goto out;
		if (r == 0)
			break;
		len += (size_t)r;
	}
	if (len > (size_t)MAC_CFG_FILE_MAX) {
		res = FILE_BIG;
		goto out;
	}
	close(fd);
	*out = buf;
	*outlen = len;
	return FILE_OK;
out:
	saved = errno;
	free(buf);
	close(fd);
	errno = saved;
	return res;
}
