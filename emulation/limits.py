"""Every size limit of the application, in one place (issue #12).

Text fields: each has a maximum length that fits its use, enforced by the
form (max_length, with a Vietnamese message) and by the database (a CharField
of that length, or a check constraint on a TextField). The largest accepted
input of every document still renders its PDF in well under a second
(tests/awards/test_document_sizes.py).

Requests and files: a request whose Content-Length exceeds MAX_REQUEST_BYTES is
refused before its body is read (emulation.middleware); one file is at most
MAX_UPLOAD_BYTES; a unit keeps at most so many evidence files, and bytes, per
criterion and per year.
"""

MB = 1024 * 1024

# --- Text (characters) -----------------------------------------------------
# A code typed by staff (unit, cluster, criterion codes).
CODE = 20
# A name or title on one line: a unit, a cluster, a place, a person's office.
NAME = 255
# A short note on one line (a method, a unit of measure, a document number).
SHORT_TEXT = 500
# A reason, comment or remark written in a box: a few sentences (R35 "why").
REASON = 2000
# A paragraph of content that goes into an official document: an objective,
# a target, a criterion's description, a pledge's or report's summary.
PARAGRAPH = 4000

# --- Uploads (bytes) --------------------------------------------------------
MAX_UPLOAD_BYTES = 20 * MB
# The largest file with its form around it (multipart headers, the CSRF token).
MAX_REQUEST_BYTES = MAX_UPLOAD_BYTES + 1 * MB
# Evidence of one unit's score of one criterion, and of its whole year's sheet.
EVIDENCE_FILES_PER_CRITERION = 10
EVIDENCE_BYTES_PER_CRITERION = 50 * MB
EVIDENCE_FILES_PER_UNIT = 200
EVIDENCE_BYTES_PER_UNIT = 500 * MB
