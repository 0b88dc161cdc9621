package io.omniservice.media.check;

/** The canonical names of the media types this module detects and accepts, in one place. */
public final class MediaTypes {
    public static final String JPEG = "image/jpeg";
    public static final String PNG = "image/png";
    public static final String GIF = "image/gif";
    public static final String WEBP = "image/webp";
    public static final String MP4 = "video/mp4";
    public static final String THREE_GPP = "video/3gpp";
    public static final String QUICKTIME = "video/quicktime";
    public static final String MP3 = "audio/mpeg";
    public static final String OGG_AUDIO = "audio/ogg";
    public static final String AMR = "audio/amr";
    public static final String PDF = "application/pdf";
    public static final String DOC = "application/msword";
    public static final String XLS = "application/vnd.ms-excel";
    public static final String PPT = "application/vnd.ms-powerpoint";
    public static final String DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
    public static final String XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    public static final String PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation";
    public static final String OCTET_STREAM = "application/octet-stream";

    private MediaTypes() {}
}
