"""course.deploy.c_array: the generated C/C++ compiles with gcc and g++ and holds the exact bytes."""
import re
import subprocess

import deploy_models as dm
import pytest

from course.deploy import c_array

pytestmark = pytest.mark.unit

MAIN = r"""
#include <stdint.h>
#include <stdio.h>
#include "NAME.h"

int main(void) {
  static const unsigned char expected_head[] = {HEAD};
  static const unsigned char expected_tail[] = {TAIL};
  if (NAME_len != LENGTH) { printf("bad length %u\n", NAME_len); return 1; }
  if (((uintptr_t)NAME) % 16 != 0) { printf("not 16-byte aligned\n"); return 2; }
  for (unsigned i = 0; i < sizeof expected_head; ++i)
    if (NAME[i] != expected_head[i]) { printf("head byte %u differs\n", i); return 3; }
  for (unsigned i = 0; i < sizeof expected_tail; ++i)
    if (NAME[NAME_len - sizeof expected_tail + i] != expected_tail[i]) { printf("tail byte %u differs\n", i); return 4; }
  if (NAME[MIDDLE] != MIDDLE_BYTE) { printf("middle byte differs\n"); return 5; }
  printf("ok %u\n", NAME_len);
  return 0;
}
"""


def _build_and_run(tmp_path, model_bytes: bytes, name: str, compiler: list[str], suffix: str) -> str:
    header, source = c_array(model_bytes, name)
    (tmp_path / f"{name}.h").write_text(header)
    (tmp_path / f"{name}{suffix}").write_text(source)
    middle = len(model_bytes) // 2
    main = (MAIN.replace("NAME", name).replace("LENGTH", str(len(model_bytes)))
            .replace("HEAD", ", ".join(str(b) for b in model_bytes[:16]))
            .replace("TAIL", ", ".join(str(b) for b in model_bytes[-16:]))
            .replace("MIDDLE_BYTE", str(model_bytes[middle])).replace("MIDDLE", str(middle)))
    (tmp_path / f"main{suffix}").write_text(main)
    binary = tmp_path / "check"
    subprocess.run([*compiler, "-Wall", "-Werror", "-o", str(binary), str(tmp_path / f"main{suffix}"),
                    str(tmp_path / f"{name}{suffix}")], check=True, capture_output=True, text=True)
    return subprocess.run([str(binary)], check=True, capture_output=True, text=True).stdout


@pytest.mark.parametrize("compiler, suffix", [(["g++", "-std=c++11"], ".cpp"), (["gcc", "-std=c11"], ".c")],
                         ids=["g++", "gcc"])
def test_compiles_and_holds_the_model_bytes(tmp_path, compiler, suffix):
    model_bytes = dm.sine_int8()
    assert _build_and_run(tmp_path, model_bytes, "g_model", compiler, suffix) == f"ok {len(model_bytes)}\n"


def test_other_names_and_models(tmp_path):
    model_bytes = dm.digits_int8()
    output = _build_and_run(tmp_path, model_bytes, "digits_model", ["g++", "-std=c++17"], ".cc")
    assert output == f"ok {len(model_bytes)}\n"


def test_text_layout_and_exact_content():
    model_bytes = dm.sine_int8()
    header, source = c_array(model_bytes, "g_model")
    assert "#ifndef G_MODEL_MODEL_DATA_H_" in header and "#define G_MODEL_MODEL_DATA_H_" in header
    assert "extern const unsigned char g_model[];" in header
    assert "extern const unsigned int g_model_len;" in header
    assert '#include "g_model.h"' in source
    assert "alignas(16) const unsigned char g_model[] = {" in source
    assert f"const unsigned int g_model_len = {len(model_bytes)};" in source
    array = source[source.index("{"):source.index("};")]
    assert bytes(int(h, 16) for h in re.findall(r"0x([0-9a-f]{2})", array)) == model_bytes


@pytest.mark.parametrize("name", ["", "1model", "g-model", "g model", "int", "class", "model.h"])
def test_rejects_names_that_are_not_c_identifiers(name):
    with pytest.raises(ValueError, match="identifier"):
        c_array(b"\x00\x01", name)


def test_rejects_empty_models():
    with pytest.raises(ValueError, match="empty"):
        c_array(b"", "g_model")
