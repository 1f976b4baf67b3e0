"""Writes the small golden files the tests read, with CPython's own pickle/zipfile and NumPy
(independent writers, so reader bugs cannot hide behind matching writer bugs).

Run from this folder: python3 make_golden.py   (needs numpy; torch is *not* needed: the torch
globals are faked as modules so pickle emits exactly the names torch.save uses).
"""
import io, os, pickle, struct, sys, types, zipfile, collections
import numpy as np

torch = types.ModuleType("torch"); utils = types.ModuleType("torch._utils")
sys.modules["torch"] = torch; sys.modules["torch._utils"] = utils; torch._utils = utils

def _rebuild_tensor_v2(*a): pass
def _rebuild_parameter(*a): pass
_rebuild_tensor_v2.__module__ = "torch._utils"; utils._rebuild_tensor_v2 = _rebuild_tensor_v2
_rebuild_parameter.__module__ = "torch._utils"; utils._rebuild_parameter = _rebuild_parameter
class FloatStorage: pass
class HalfStorage: pass
class DoubleStorage: pass
class BFloat16Storage: pass
for c in (FloatStorage, HalfStorage, DoubleStorage, BFloat16Storage):
    c.__module__ = "torch"; setattr(torch, c.__name__, c)

class Storage:
    def __init__(self, key, typ, data: bytes, numel, location="cpu"):
        self.key, self.typ, self.data, self.numel, self.location = key, typ, data, numel, location

class Tensor:
    """pickles as torch does: _rebuild_tensor_v2(storage, offset, size, stride, requires_grad, hooks)"""
    def __init__(self, storage, offset, size, stride, param=False):
        self.storage, self.offset, self.size, self.stride, self.param = storage, offset, size, stride, param
    def __reduce__(self):
        t = (_rebuild_tensor_v2, (self.storage, self.offset, self.size, self.stride, False, collections.OrderedDict()))
        if self.param:
            return (_rebuild_parameter, (_Inner(t), True, collections.OrderedDict()))
        return t

class _Inner:
    def __init__(self, t): self.t = t
    def __reduce__(self): return self.t

class TorchPickler(pickle.Pickler):
    def persistent_id(self, obj):
        if isinstance(obj, Storage):
            return ("storage", obj.typ, obj.key, obj.location, obj.numel)
        return None

def tensors():
    # w1: 3x2 float32 stored transposed (strides (1, 3)) at offset 2 of a 8-element storage
    s0 = np.arange(8, dtype=np.float32) * 0.5 - 1.0
    w1 = Tensor(Storage("0", FloatStorage, s0.tobytes(), 8), 2, (3, 2), (1, 3))
    # b1: 3 float16 values
    s1 = np.array([0.5, -0.25, 1.5], dtype=np.float16)
    b1 = Tensor(Storage("1", HalfStorage, s1.tobytes(), 3), 0, (3,), (1,))
    # w2: 2x3 float64, a Parameter
    s2 = np.array([[1, 2, 3], [-4, 5, -6]], dtype=np.float64) / 8
    w2 = Tensor(Storage("2", DoubleStorage, s2.tobytes(), 6), 0, (2, 3), (3, 1), param=True)
    # b2: 2 bfloat16 values (top halves of float32 1.0 and -2.5)
    bf = (np.array([1.0, -2.5], dtype=np.float32).view(np.uint32) >> 16).astype(np.uint16)
    b2 = Tensor(Storage("3", BFloat16Storage, bf.tobytes(), 2), 0, (2,), (1,))
    sd = collections.OrderedDict([("net.0.weight", w1), ("net.0.bias", b1), ("net.2.weight", w2), ("net.2.bias", b2)])
    return {"state_dict": sd, "epoch": 7, "name": "golden"}, [w1.storage, b1.storage, w2.storage, b2.storage]

def write_zip(path, protocol, compression):
    obj, storages = tensors()
    buf = io.BytesIO(); TorchPickler(buf, protocol=protocol).dump(obj)
    with zipfile.ZipFile(path, "w", compression) as z:
        z.writestr("golden/data.pkl", buf.getvalue())
        z.writestr("golden/byteorder", "little")
        for s in storages: z.writestr(f"golden/data/{s.key}", s.data)
        z.writestr("golden/version", "3\n")

def write_legacy(path):
    obj, storages = tensors()
    for s in storages: s.location = "cuda:0"
    out = io.BytesIO()
    pickle.dump(0x1950a86a20f9469cfc6c, out, protocol=2)
    pickle.dump(1001, out, protocol=2)
    pickle.dump({"protocol_version": 1001, "little_endian": True, "type_sizes": {"short": 2, "int": 4, "long": 4}}, out, protocol=2)
    TorchPickler(out, protocol=2).dump(obj)
    pickle.dump([s.key for s in storages], out, protocol=2)
    for s in storages:
        out.write(struct.pack("<q", s.numel)); out.write(s.data)
    open(path, "wb").write(out.getvalue())

class Evil:
    def __init__(self, fn, arg): self.fn, self.arg = fn, arg
    def __reduce__(self): return (self.fn, (self.arg,))

def write_hostile():
    import builtins
    for name, obj in [("os_system", Evil(os.system, "echo pwned")), ("builtins_eval", Evil(builtins.eval, "1+1"))]:
        buf = io.BytesIO(); pickle.dump(collections.OrderedDict([("w", obj)]), buf, protocol=2)
        with zipfile.ZipFile(f"hostile_{name}.pt", "w") as z:
            z.writestr("hostile/data.pkl", buf.getvalue())

if __name__ == "__main__":
    os.chdir(os.path.dirname(os.path.abspath(__file__)))
    write_zip("golden_p2_stored.pt", 2, zipfile.ZIP_STORED)
    write_zip("golden_p4_deflated.pt", 4, zipfile.ZIP_DEFLATED)
    write_zip("golden_p5_stored.pt", 5, zipfile.ZIP_STORED)
    write_legacy("golden_legacy.pth")
    write_hostile()
    a = np.asfortranarray((np.arange(12, dtype=np.float64).reshape(3, 4) - 5) / 4)
    np.savez_compressed("golden_arrays.npz", x=a.astype(np.float16), z=np.arange(6, dtype=">i4").reshape(3, 2), f=a)
    np.savez("golden_stored.npz", x=a.astype(np.float32))
    np.save("golden_fortran_f2.npy", a.astype(np.float16))
    np.save("golden_be_f4.npy", a.astype(">f4"))
    np.save("golden_u1.npy", np.array([[0, 255], [7, 128]], dtype=np.uint8))
    np.save("golden_bool.npy", np.array([True, False, True]))
