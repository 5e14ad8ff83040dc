"""Lambda@Edge: width and format variants of media images, made once with Pillow."""
