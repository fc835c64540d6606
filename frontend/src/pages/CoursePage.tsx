import { useEffect } from "react";
import { Link, useParams } from "react-router";
import { ApiError, errorMessage } from "../api/client";
import { useCourse } from "../api/queries/learning";
import { Progress } from "../components/Progress";
import courseStyles from "./CoursePage.module.css";
import styles from "./learning.module.css";

export function CoursePage() {
  const { courseId = "" } = useParams();
  const { data: course, error } = useCourse(courseId);
  // The lesson page's code (the IDE: CodeMirror, xterm.js) loads while the learner reads the course, not after the click.
  useEffect(() => {
    void import("./LessonPage");
  }, []);

  if (!course) {
    if (!error) return <p className="muted page">Loading the course…</p>;
    if (error instanceof ApiError && error.status === 404) {
      return (
        <div className="page">
          <h1>Course not found</h1>
          <p>
            <Link to="/">Back to the catalogue</Link>
          </p>
        </div>
      );
    }
    return (
      <p className="error page" role="alert">
        Could not load the course: {errorMessage(error)}
      </p>
    );
  }

  // Once the learner has begun, the first lesson they have not completed.
  const next = course.completed > 0 ? course.lessons.find((lesson) => !lesson.completed) : undefined;
  const lessonPath = (slug: string) => `/courses/${encodeURIComponent(courseId)}/lessons/${encodeURIComponent(slug)}`;

  return (
    <div className="page">
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link to="/">Catalogue</Link> / <span aria-current="page">{course.title}</span>
      </nav>
      <h1>{course.title}</h1>
      {course.summary && <p>{course.summary}</p>}
      <Progress completed={course.completed} total={course.total} label={`Progress in ${course.title}`} />
      {next && (
        <p className={courseStyles.nextLesson}>
          <Link to={lessonPath(next.slug)} aria-label={`Next lesson: ${next.title}`}>
            Next lesson →
          </Link>{" "}
          <span className="muted">{next.title}</span>
        </p>
      )}
      <h2>Lessons</h2>
      <ol className={styles.lessonList}>
        {course.lessons.map((lesson) => (
          <li key={lesson.slug} className={lesson.completed ? "completed" : undefined}>
            <Link to={lessonPath(lesson.slug)}>{lesson.title}</Link>
            {lesson.completed && (
              <span className={styles.doneMark}>
                <span aria-hidden="true">✔</span> Completed
              </span>
            )}
          </li>
        ))}
      </ol>
    </div>
  );
}
