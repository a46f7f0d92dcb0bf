"""Minimal safetensors encoder/decoder for the tools (the Python `safetensors` package is not on Debian).

Layout: u64 little-endian header length, JSON header padded with spaces to a multiple of 8, then
the raw little-endian data of each tensor, contiguous and in header order. Importing this module
changes no environment (unlike fixtures.py, which pins CPU kernels for bit-reproducible fixtures),
so benchmarks can use it.
"""
import json
import struct

import numpy as np
import torch

ST_DTYPES = {"F32": np.dtype("<f4"), "F64": np.dtype("<f8"), "I64": np.dtype("<i8"), "I32": np.dtype("<i4")}
TORCH_TO_ST = {torch.float32: "F32", torch.float64: "F64", torch.int64: "I64", torch.int32: "I32"}


def encode_safetensors(tensors, metadata=None):
    """bytes of a safetensors file holding the named tensors, in the dict's order, and the optional
    string-to-string metadata (the header's __metadata__ entry)."""
    header, blobs, offset = ({"__metadata__": dict(metadata)} if metadata else {}), [], 0
    for name, t in tensors.items():
        t = t.detach().cpu().contiguous()
        st = TORCH_TO_ST[t.dtype]
        data = t.numpy().astype(ST_DTYPES[st], copy=False).tobytes()
        header[name] = {"dtype": st, "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + b"".join(blobs)


def decode_safetensors(blob):
    """{name: numpy array} from safetensors bytes, in header order (checks offsets are contiguous)."""
    (n,) = struct.unpack_from("<Q", blob, 0)
    header = json.loads(blob[8:8 + n].decode("utf-8"))
    data, out, expect = blob[8 + n:], {}, 0
    for name, info in header.items():
        if name == "__metadata__":
            continue
        b, e = info["data_offsets"]
        assert b == expect, "%s: data not contiguous" % name
        dt = ST_DTYPES[info["dtype"]]
        count = int(np.prod(info["shape"], dtype=np.int64))
        assert e - b == count * dt.itemsize, "%s: size does not match shape" % name
        out[name] = np.frombuffer(data[b:e], dtype=dt).reshape(info["shape"])
        expect = e
    assert expect == len(data), "trailing bytes after the last tensor"
    return out


def write_safetensors(path, tensors, metadata=None):
    """Writes the file, then reads it back and checks every tensor round-trips bit for bit."""
    blob = encode_safetensors(tensors, metadata)
    back = decode_safetensors(blob)
    assert list(back) == list(tensors), path
    for name, t in tensors.items():
        want = t.detach().cpu().contiguous().numpy()
        assert back[name].shape == want.shape and back[name].tobytes() == want.tobytes(), (path, name)
    with open(path, "wb") as f:
        f.write(blob)
