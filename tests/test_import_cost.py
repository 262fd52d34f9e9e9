"""import poseio and poseio.sniff stay off pynwb, hdmf and ndx_pose."""

import subprocess
import sys
import textwrap

from conftest import corpus_file

HEAVY = ("pynwb", "hdmf", "ndx_pose", "matplotlib")


def modules_after(code: str) -> set[str]:
    script = textwrap.dedent(code) + "\nimport sys\nprint(' '.join(sorted(sys.modules)))\n"
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return set(result.stdout.split())


def test_import_poseio_is_light():
    loaded = modules_after("import poseio")
    assert not {m for m in HEAVY if m in loaded}
    assert "h5py" not in loaded


def test_sniff_and_explain_are_light():
    files = [str(corpus_file("nwb", n)) for n in ("a_pose_estimation_two_animals.nwb", "b_pose_training.nwb")]
    loaded = modules_after(f"import poseio\nfor f in {files!r}: poseio.sniff(f); poseio.explain(f)")
    assert not {m for m in HEAVY if m in loaded}


def test_load_of_nwb_stays_off_pynwb():
    path = str(corpus_file("nwb", "sio_predictions.nwb"))
    loaded = modules_after(f"import poseio\nposeio.load({path!r}).numpy()")
    assert not {m for m in HEAVY if m in loaded}


def test_finding_the_plugins_imports_no_reader_writer_or_heavy_library():
    # poseio imports every plugin's hook module on the first load of a process; a reader or writer
    # (and h5py, pandas, h5netcdf) is imported only when a file of its format is read or written.
    loaded = modules_after("import poseio\nposeio.formats()")
    heavy = {m for m in loaded if m.split(".")[0] in ("h5py", "pandas", "h5netcdf", "xarray", "scipy", "av", *HEAVY)}
    readers = {m for m in loaded if m.startswith("poseio_") and m.rsplit(".", 1)[-1].startswith(("_read", "_write"))}
    assert not heavy and not readers, sorted(heavy | readers)


def test_loading_a_csv_file_imports_no_hdf5():
    path = str(corpus_file("formats", "DLC_sample_poses.csv"))
    loaded = modules_after(f"import poseio\nposeio.load({path!r})")
    assert "h5py" not in loaded
