"""The picture checks of uploads (property_crm.images), without Frappe: judged by content, bombs refused
before decoding, what is kept re-encoded without EXIF or appended payload."""

import io
import struct
import zlib

import pytest
from PIL import Image

from property_crm import images
from property_crm.tests.pictures import encoded, jpeg_with_gps, png_declaring


@pytest.mark.parametrize(
	"content",
	[
		b"<html><script>alert(document.cookie)</script></html>",
		b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(1)</script></svg>',
		b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF",
		b"GIF89a<script>alert(1)</script>",  # a GIF signature and nothing of a GIF
		b"\x89PNG\r\n\x1a\n<html>",  # a PNG signature and nothing of a PNG
		b"#!/bin/sh\nrm -rf /\n",
	],
)
def test_what_is_not_a_picture_is_refused(content):
	with pytest.raises(images.Rejected) as refused:
		images.clean_picture(content)
	assert refused.value.reason == "not_a_picture"


def test_empty_and_oversized_files_are_refused_before_decoding():
	with pytest.raises(images.Rejected, match="empty"):
		images.clean_picture(b"")
	with pytest.raises(images.Rejected, match="too_large"):
		images.clean_picture(b"\xff" * (images.MAX_BYTES + 1))


@pytest.mark.parametrize("side", [30000, 9000])
def test_decompression_bombs_are_refused_from_their_header(side):
	bomb = png_declaring(side, side)
	assert len(bomb) < 200
	with pytest.raises(images.Rejected) as refused:
		images.clean_picture(bomb)
	assert refused.value.reason == "too_many_pixels"


def test_a_polyglot_keeps_its_pixels_and_loses_its_payload():
	payload = b"<html><script>alert(document.domain)</script></html>"
	picture = images.clean_picture(encoded("PNG", size=(40, 30)) + payload)
	assert (picture.format, picture.content_type, picture.extension) == ("JPEG", "image/jpeg", "jpg")
	assert b"<script" not in picture.content
	assert Image.open(io.BytesIO(picture.content)).size == (40, 30)


def test_exif_and_gps_are_stripped():
	original = jpeg_with_gps()
	assert Image.open(io.BytesIO(original)).getexif().get(0x010F) == "SpyCam"
	picture = images.clean_picture(original)
	kept = Image.open(io.BytesIO(picture.content))
	assert not kept.getexif()
	assert b"SpyCam" not in picture.content and "exif" not in kept.info


def test_large_pictures_are_scaled_to_the_longest_side():
	picture = images.clean_picture(encoded("JPEG", size=(4000, 1000)))
	assert (picture.width, picture.height) == (images.MAX_SIDE, images.MAX_SIDE // 4)


def test_transparency_is_kept_as_png_and_other_formats_become_jpeg():
	assert images.clean_picture(encoded("PNG", mode="RGBA")).format == "PNG"
	for format in ("GIF", "WEBP", "BMP", "JPEG"):
		assert images.clean_picture(encoded(format)).format == "JPEG", format


def test_served_content_type_comes_from_the_bytes():
	assert images.content_type_of(encoded("PNG")) == "image/png"
	assert images.content_type_of(encoded("JPEG")) == "image/jpeg"
	assert images.content_type_of(b"<html></html>") is None
	assert images.content_type_of(encoded("GIF")) is None  # kept pictures are JPEG or PNG only
