"""The data directory: created on first start, reused on restart, and refused with a clear
one-line error (exit 1) when it is corrupt, foreign or in use — never a panic, never a
silent reset."""

import subprocess

from conftest import binary, clean_env


def start_failing(data_dir):
    return subprocess.run(
        [str(binary()), "--port", "0", "--data-dir", str(data_dir), "--init-dir", "/nonexistent"],
        env=clean_env(), capture_output=True, text=True, timeout=10,
    )


def test_restart_on_the_same_data_dir(start_server, tmp_path):
    data = tmp_path / "data"
    first = start_server(data_dir=data)
    assert first.stop() == 0
    assert (data / "ruststack.redb").exists() and (data / "blobs").is_dir()
    second = start_server(data_dir=data)
    assert second.stop() == 0


def test_corrupt_database_file_is_refused(tmp_path):
    tmp_path.joinpath("ruststack.redb").write_bytes(b"\x00garbage" * 1000)
    out = start_failing(tmp_path)
    assert out.returncode == 1
    assert "panicked" not in out.stderr
    lines = [l for l in out.stderr.splitlines() if l.startswith("error:")]
    assert len(lines) == 1 and "ruststack.redb" in lines[0] and "corrupt" in lines[0], out.stderr
    # Nothing was overwritten.
    assert tmp_path.joinpath("ruststack.redb").read_bytes() == b"\x00garbage" * 1000


def test_foreign_files_are_refused(tmp_path):
    tmp_path.joinpath("recorded_api_calls.json").write_text("[]")
    out = start_failing(tmp_path)
    assert out.returncode == 1
    assert "recorded_api_calls.json" in out.stderr and "did not create" in out.stderr
    assert not tmp_path.joinpath("ruststack.redb").exists()


def test_data_dir_in_use_is_refused(start_server, tmp_path):
    start_server(data_dir=tmp_path)
    out = start_failing(tmp_path)
    assert out.returncode == 1
    assert "in use by another process" in out.stderr


def test_unwritable_data_dir_is_a_clear_error(tmp_path):
    target = tmp_path / "file-not-dir"
    target.write_text("x")
    out = start_failing(target / "data")
    assert out.returncode == 1
    assert "file-not-dir" in out.stderr and "panicked" not in out.stderr



def test_io_failure_is_not_reported_as_corruption(tmp_path):
    # The database path is a directory: an I/O error that must not be called corruption.
    (tmp_path / "ruststack.redb").mkdir()
    out = start_failing(tmp_path)
    assert out.returncode == 1
    assert "ruststack.redb" in out.stderr and "corrupt" not in out.stderr, out.stderr
    assert "panicked" not in out.stderr
